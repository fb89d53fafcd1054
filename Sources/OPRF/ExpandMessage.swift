import Sodium

/// expand_message_xmd with SHA-512 (RFC 9380 §5.3.1): b_in_bytes = 64, s_in_bytes = 128.
/// Protocols/oprf.md §4.1
enum ExpandMessageXMD {
    static let hashBytes = 64
    static let blockBytes = 128

    /// `lengthInBytes` uniform bytes from `message` under `dst`.
    ///
    /// ```
    /// ell         = ceil(len_in_bytes / 64)             ell ≤ 255, len_in_bytes ≤ 65535, len(DST) ≤ 255
    /// DST_prime   = DST ‖ I2OSP(len(DST), 1)
    /// msg_prime   = I2OSP(0, 128) ‖ msg ‖ I2OSP(len_in_bytes, 2) ‖ I2OSP(0, 1) ‖ DST_prime
    /// b_0         = H(msg_prime)
    /// b_1         = H(b_0 ‖ I2OSP(1, 1) ‖ DST_prime)
    /// b_i         = H(strxor(b_0, b_(i−1)) ‖ I2OSP(i, 1) ‖ DST_prime)
    /// output      = first len_in_bytes bytes of b_1 ‖ … ‖ b_ell
    /// ```
    static func sha512(_ message: [UInt8], dst: [UInt8], lengthInBytes: Int) throws -> [UInt8] {
        let ell = (lengthInBytes + hashBytes - 1) / hashBytes
        guard lengthInBytes > 0, ell <= 255, lengthInBytes <= 0xFFFF else {
            throw OPRFError(.invalidInput, "expand_message_xmd cannot produce \(lengthInBytes) bytes")
        }
        // Every DST of this suite is far below 255 bytes; RFC 9380 §5.3.3's hashing of long DSTs is
        // therefore not needed and long DSTs are refused.
        guard dst.count <= 255 else {
            throw OPRFError(.invalidInput, "expand_message_xmd DST is \(dst.count) bytes; at most 255 are allowed")
        }
        let dstPrime = dst + [UInt8(dst.count)]
        var messagePrime = [UInt8](repeating: 0, count: blockBytes)
        messagePrime.reserveCapacity(blockBytes + message.count + 3 + dstPrime.count)
        messagePrime += message
        messagePrime += i2osp2(lengthInBytes)
        messagePrime.append(0)
        messagePrime += dstPrime
        let b0 = SHA512.hash(messagePrime)
        var previous = SHA512.hash(b0 + [1] + dstPrime)
        var uniform = previous
        if ell > 1 {
            for i in 2...ell {
                var mixed = [UInt8](repeating: 0, count: hashBytes)
                for j in 0..<hashBytes { mixed[j] = b0[j] ^ previous[j] }
                previous = SHA512.hash(mixed + [UInt8(i)] + dstPrime)
                uniform += previous
            }
        }
        return Array(uniform.prefix(lengthInBytes))
    }
}
