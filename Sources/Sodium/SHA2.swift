import CSodium

/// SHA-256 (FIPS 180-4) through `crypto_hash_sha256`.
public enum SHA256 {
    public static let byteCount = Int(crypto_hash_sha256_bytes())

    /// Digest of one buffer.
    public static func hash(_ message: UnsafeRawBufferPointer) -> [UInt8] {
        var state = State()
        state.update(message)
        return state.finalize()
    }

    /// Digest of an array.
    public static func hash(_ message: [UInt8]) -> [UInt8] {
        message.withUnsafeBytes { hash($0) }
    }

    /// An incremental SHA-256 state; a plain value that may be copied freely (it holds no secret
    /// in this project: the log hashes public data).
    public struct State: Sendable {
        private var state = crypto_hash_sha256_state()

        public init() {
            Sodium.ensureInitialized()
            _ = crypto_hash_sha256_init(&state)
        }

        public mutating func update(_ bytes: UnsafeRawBufferPointer) {
            guard bytes.count > 0, let base = bytes.baseAddress else { return }
            _ = crypto_hash_sha256_update(&state, base.assumingMemoryBound(to: UInt8.self), UInt64(bytes.count))
        }

        public mutating func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }

        public mutating func update(byte: UInt8) { withUnsafeBytes(of: byte) { update($0) } }

        public mutating func finalize(into out: UnsafeMutableRawBufferPointer) {
            precondition(out.count == SHA256.byteCount, "SHA-256 output buffer length")
            _ = crypto_hash_sha256_final(&state, out.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }

        public consuming func finalize() -> [UInt8] {
            var out = [UInt8](repeating: 0, count: SHA256.byteCount)
            out.withUnsafeMutableBytes { finalize(into: $0) }
            return out
        }
    }
}

/// SHA-512 (FIPS 180-4) through `crypto_hash_sha512`.
public enum SHA512 {
    public static let byteCount = Int(crypto_hash_sha512_bytes())

    public static func hash(_ message: [UInt8]) -> [UInt8] {
        Sodium.ensureInitialized()
        var out = [UInt8](repeating: 0, count: byteCount)
        message.withUnsafeBytes { m in
            _ = crypto_hash_sha512(&out, m.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(m.count))
        }
        return out
    }
}
