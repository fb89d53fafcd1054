import CSodium

/// HMAC (RFC 2104) on libsodium's `crypto_auth_hmacsha256_*` / `crypto_auth_hmacsha512_*`,
/// which accept keys of any length.
public enum HMAC {
    /// The hash functions HMAC and HKDF are offered with.
    public enum Hash: String, Sendable, CaseIterable {
        case sha256 = "SHA256"
        case sha512 = "SHA512"

        /// Digest length in bytes.
        public var byteCount: Int {
            switch self {
            case .sha256: Int(crypto_auth_hmacsha256_bytes())
            case .sha512: Int(crypto_auth_hmacsha512_bytes())
            }
        }
    }

    /// HMAC over the concatenation of `parts`, written to `out` (``Hash/byteCount`` bytes).
    static func authenticate(
        _ hash: Hash, key: UnsafeRawBufferPointer, parts: [UnsafeRawBufferPointer],
        into out: UnsafeMutableRawBufferPointer
    ) {
        Sodium.ensureInitialized()
        precondition(out.count == hash.byteCount)
        // libsodium wants a non-null key pointer even for an empty key.
        let k = key.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? emptyKey
        let o = out.baseAddress!.assumingMemoryBound(to: UInt8.self)
        switch hash {
        case .sha256:
            var state = crypto_auth_hmacsha256_state()
            _ = crypto_auth_hmacsha256_init(&state, k, key.count)
            for part in parts where part.count > 0 {
                _ = crypto_auth_hmacsha256_update(&state, part.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(part.count))
            }
            _ = crypto_auth_hmacsha256_final(&state, o)
            sodium_memzero(&state, MemoryLayout<crypto_auth_hmacsha256_state>.size)
        case .sha512:
            var state = crypto_auth_hmacsha512_state()
            _ = crypto_auth_hmacsha512_init(&state, k, key.count)
            for part in parts where part.count > 0 {
                _ = crypto_auth_hmacsha512_update(&state, part.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(part.count))
            }
            _ = crypto_auth_hmacsha512_final(&state, o)
            sodium_memzero(&state, MemoryLayout<crypto_auth_hmacsha512_state>.size)
        }
    }

    /// HMAC of `message` under `key`.
    public static func authenticate(_ hash: Hash, key: [UInt8], message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: hash.byteCount)
        key.withUnsafeBytes { k in
            message.withUnsafeBytes { m in
                out.withUnsafeMutableBytes { authenticate(hash, key: k, parts: [m], into: $0) }
            }
        }
        return out
    }
}

nonisolated(unsafe) private let emptyKey = UnsafePointer<UInt8>(UnsafeMutablePointer<UInt8>.allocate(capacity: 1))

/// HKDF (RFC 5869) built on ``HMAC``. libsodium 1.0.18, the version Debian ships, has no HKDF of
/// its own; this is the RFC's two-step construction and nothing else.
public enum HKDF {
    /// HKDF-Extract: PRK = HMAC-Hash(salt, IKM). An empty salt stands for HashLen zero bytes
    /// (RFC 5869 §2.2), which HMAC treats identically to the empty key.
    public static func extract(_ hash: HMAC.Hash, salt: [UInt8], inputKeyMaterial ikm: SecretBytes) -> SecretBytes {
        SecretBytes(count: hash.byteCount) { prk in
            salt.withUnsafeBytes { s in
                ikm.withUnsafeBytes { i in HMAC.authenticate(hash, key: s, parts: [i], into: prk) }
            }
        }
    }

    /// HKDF-Expand: OKM = T(1) | T(2) | … truncated to `length`, with
    /// T(i) = HMAC-Hash(PRK, T(i-1) | info | i). `length` is at most 255 · HashLen.
    public static func expand(_ hash: HMAC.Hash, pseudorandomKey prk: SecretBytes, info: [UInt8], length: Int) throws -> SecretBytes {
        let hashLength = hash.byteCount
        guard length >= 0, length <= 255 * hashLength else {
            throw SodiumError.length("HKDF output", expected: "at most \(255 * hashLength)", got: length)
        }
        return SecretBytes(count: length) { okm in
            var block = [UInt8](repeating: 0, count: hashLength)
            defer { block.withUnsafeMutableBytes { sodium_memzero($0.baseAddress!, $0.count) } }
            var written = 0
            var counter: UInt8 = 1
            while written < length {
                let previous = counter == 1 ? [] : block
                prk.withUnsafeBytes { p in
                    previous.withUnsafeBytes { t in
                        info.withUnsafeBytes { i in
                            withUnsafeBytes(of: counter) { c in
                                block.withUnsafeMutableBytes { authenticate(hash, key: p, t, i, c, into: $0) }
                            }
                        }
                    }
                }
                let take = min(hashLength, length - written)
                block.withUnsafeBytes { okm.baseAddress!.advanced(by: written).copyMemory(from: $0.baseAddress!, byteCount: take) }
                written += take
                counter &+= 1
            }
        }
    }

    private static func authenticate(
        _ hash: HMAC.Hash, key: UnsafeRawBufferPointer, _ a: UnsafeRawBufferPointer,
        _ b: UnsafeRawBufferPointer, _ c: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer
    ) {
        HMAC.authenticate(hash, key: key, parts: [a, b, c], into: out)
    }

    /// Extract then expand.
    public static func deriveKey(
        _ hash: HMAC.Hash, inputKeyMaterial ikm: SecretBytes, salt: [UInt8], info: [UInt8], length: Int
    ) throws -> SecretBytes {
        try expand(hash, pseudorandomKey: extract(hash, salt: salt, inputKeyMaterial: ikm), info: info, length: length)
    }
}
