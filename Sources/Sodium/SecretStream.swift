import CSodium

/// Authenticated encryption of a stream of chunks (`crypto_secretstream_xchacha20poly1305`):
/// each chunk is authenticated, chunks cannot be reordered, dropped or duplicated, and a stream
/// cut short is detected because the last chunk carries the FINAL tag. Used to seal payloads
/// too large for one sealed box: the stream key goes in a sealed box, the data in the stream
/// (Protocols/primitives.md §2).
public enum SecretStream {
    public static let keyLength = Int(crypto_secretstream_xchacha20poly1305_keybytes())
    public static let headerLength = Int(crypto_secretstream_xchacha20poly1305_headerbytes())
    /// Bytes each chunk adds to its plaintext.
    public static let overhead = Int(crypto_secretstream_xchacha20poly1305_abytes())

    /// The encrypting end. Not thread-safe; one per stream.
    public final class Push {
        private var state = crypto_secretstream_xchacha20poly1305_state()
        /// Sent before the first chunk.
        public let header: [UInt8]

        public init(key: SecretBytes) throws {
            Sodium.ensureInitialized()
            guard key.count == SecretStream.keyLength else {
                throw SodiumError.length("secretstream key", expected: "\(SecretStream.keyLength)", got: key.count)
            }
            var header = [UInt8](repeating: 0, count: SecretStream.headerLength)
            var state = crypto_secretstream_xchacha20poly1305_state()
            try key.withUnsafeBytes { k in
                try check(crypto_secretstream_xchacha20poly1305_init_push(
                    &state, &header, k.baseAddress!.assumingMemoryBound(to: UInt8.self)),
                    "crypto_secretstream_xchacha20poly1305_init_push")
            }
            self.state = state
            withUnsafeMutableBytes(of: &state) { sodium_memzero($0.baseAddress, $0.count) }
            self.header = header
        }

        deinit { withUnsafeMutableBytes(of: &state) { sodium_memzero($0.baseAddress, $0.count) } }

        /// Encrypts one chunk; `final` marks the last one. `additional` is authenticated, not sent.
        public func push(_ chunk: UnsafeRawBufferPointer, additional: [UInt8] = [], final: Bool) throws -> [UInt8] {
            var out = [UInt8](repeating: 0, count: chunk.count + SecretStream.overhead)
            let tag = UInt8(final ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE)
            try check(crypto_secretstream_xchacha20poly1305_push(
                &state, &out, nil, chunk.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(chunk.count),
                additional, UInt64(additional.count), tag), "crypto_secretstream_xchacha20poly1305_push")
            return out
        }

        public func push(_ chunk: [UInt8], additional: [UInt8] = [], final: Bool) throws -> [UInt8] {
            try chunk.withUnsafeBytes { try push($0, additional: additional, final: final) }
        }
    }

    /// The decrypting end.
    public final class Pull {
        private var state = crypto_secretstream_xchacha20poly1305_state()
        /// True once the chunk tagged FINAL has been opened; nothing may follow it.
        public private(set) var finished = false

        public init(key: SecretBytes, header: [UInt8]) throws {
            Sodium.ensureInitialized()
            guard key.count == SecretStream.keyLength else {
                throw SodiumError.length("secretstream key", expected: "\(SecretStream.keyLength)", got: key.count)
            }
            guard header.count == SecretStream.headerLength else {
                throw SodiumError.length("secretstream header", expected: "\(SecretStream.headerLength)", got: header.count)
            }
            var state = crypto_secretstream_xchacha20poly1305_state()
            let result = key.withUnsafeBytes { k in
                crypto_secretstream_xchacha20poly1305_init_pull(&state, header, k.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
            guard result == 0 else { throw SodiumError(.openFailed, "secretstream header is invalid") }
            self.state = state
            withUnsafeMutableBytes(of: &state) { sodium_memzero($0.baseAddress, $0.count) }
        }

        deinit { withUnsafeMutableBytes(of: &state) { sodium_memzero($0.baseAddress, $0.count) } }

        /// Decrypts and authenticates one chunk. Throws ``SodiumError/Code/openFailed`` for an
        /// altered, reordered or foreign chunk, or for any chunk after the final one.
        public func pull(_ chunk: [UInt8], additional: [UInt8] = []) throws -> [UInt8] {
            guard !finished else { throw SodiumError(.openFailed, "data follows the final chunk of the stream") }
            guard chunk.count >= SecretStream.overhead else {
                throw SodiumError(.openFailed, "stream chunk of \(chunk.count) bytes is shorter than its \(SecretStream.overhead)-byte overhead")
            }
            var out = [UInt8](repeating: 0, count: chunk.count - SecretStream.overhead)
            var tag: UInt8 = 0
            let result = crypto_secretstream_xchacha20poly1305_pull(
                &state, &out, nil, &tag, chunk, UInt64(chunk.count), additional, UInt64(additional.count))
            guard result == 0 else { throw SodiumError(.openFailed, "stream chunk does not authenticate (altered, reordered or wrong key)") }
            if tag == UInt8(crypto_secretstream_xchacha20poly1305_TAG_FINAL) { finished = true }
            return out
        }
    }
}
