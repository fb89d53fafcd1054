import CSodium

/// Keyed BLAKE2b (RFC 7693) through libsodium's `crypto_generichash_blake2b_*`.
///
/// Output length is 1...64 bytes and the key 0...64 bytes. `salt` and `personal` are at most
/// 16 bytes each and are zero-padded to 16, as the BLAKE2 reference implementation and Python's
/// `hashlib.blake2b` do; omitting them is the same as 16 zero bytes.
public enum BLAKE2b {
    public static let maxOutputLength = Int(crypto_generichash_blake2b_bytes_max())
    public static let maxKeyLength = Int(crypto_generichash_blake2b_keybytes_max())
    public static let saltLength = Int(crypto_generichash_blake2b_saltbytes())
    public static let personalLength = Int(crypto_generichash_blake2b_personalbytes())

    /// One-shot keyed hash.
    public static func hash(
        _ message: UnsafeRawBufferPointer,
        key: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0),
        outputLength: Int = 32,
        salt: [UInt8] = [],
        personal: [UInt8] = []
    ) throws -> [UInt8] {
        let state = try State(key: key, outputLength: outputLength, salt: salt, personal: personal)
        state.update(message)
        return state.finalize()
    }

    /// One-shot keyed hash over byte arrays.
    public static func hash(
        _ message: [UInt8], key: [UInt8] = [], outputLength: Int = 32,
        salt: [UInt8] = [], personal: [UInt8] = []
    ) throws -> [UInt8] {
        try message.withUnsafeBytes { m in
            try key.withUnsafeBytes { k in
                try hash(m, key: k, outputLength: outputLength, salt: salt, personal: personal)
            }
        }
    }

    /// One-shot hash under a secret key.
    public static func hash(
        _ message: [UInt8], key: SecretBytes, outputLength: Int = 32,
        salt: [UInt8] = [], personal: [UInt8] = []
    ) throws -> [UInt8] {
        try message.withUnsafeBytes { m in
            try key.withUnsafeBytes { k in
                try hash(m, key: k, outputLength: outputLength, salt: salt, personal: personal)
            }
        }
    }

    static func padded16(_ bytes: [UInt8], _ what: String) throws -> [UInt8] {
        guard bytes.count <= 16 else { throw SodiumError.length(what, expected: "at most 16", got: bytes.count) }
        return bytes + [UInt8](repeating: 0, count: 16 - bytes.count)
    }

    /// An incremental BLAKE2b state.
    ///
    /// A keyed prefix is absorbed once and then copied per message with ``reset(to:)``, which
    /// copies the state into already allocated storage: the hot loop of CLK encoding allocates
    /// nothing per token. The storage is 64-byte aligned as libsodium declares it, and wiped when
    /// the state is dropped because it holds key-derived material.
    ///
    /// A state is mutable and not synchronised: share a keyed prefix across threads only for
    /// reading (``reset(to:)`` on a per-thread scratch state), never for updating.
    public final class State: @unchecked Sendable {
        private static let byteCount = crypto_generichash_blake2b_statebytes()
        private let raw: UnsafeMutableRawPointer
        /// Digest length fixed at initialisation.
        public let outputLength: Int

        // Swift cannot import libsodium's 64-byte-aligned state struct, so it is passed opaquely.
        private var typed: OpaquePointer { OpaquePointer(raw) }

        /// Starts a hash with the given key, output length, salt and personalisation.
        public init(
            key: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0),
            outputLength: Int = 32, salt: [UInt8] = [], personal: [UInt8] = []
        ) throws {
            Sodium.ensureInitialized()
            guard (1...BLAKE2b.maxOutputLength).contains(outputLength) else {
                throw SodiumError.length("BLAKE2b output", expected: "1 to 64", got: outputLength)
            }
            guard key.count <= BLAKE2b.maxKeyLength else {
                throw SodiumError.length("BLAKE2b key", expected: "at most 64", got: key.count)
            }
            let salt16 = try BLAKE2b.padded16(salt, "BLAKE2b salt")
            let personal16 = try BLAKE2b.padded16(personal, "BLAKE2b personal")
            let raw = UnsafeMutableRawPointer.allocate(byteCount: Self.byteCount, alignment: 64)
            let result = crypto_generichash_blake2b_init_salt_personal(
                OpaquePointer(raw), key.count == 0 ? nil : key.baseAddress?.assumingMemoryBound(to: UInt8.self),
                key.count, outputLength, salt16, personal16)
            if result != 0 {
                raw.deallocate()
                throw SodiumError(.callFailed, "crypto_generichash_blake2b_init_salt_personal returned \(result)")
            }
            self.raw = raw
            self.outputLength = outputLength
        }

        /// Starts a hash under a secret key.
        public convenience init(key: SecretBytes, outputLength: Int = 32, salt: [UInt8] = [], personal: [UInt8] = []) throws {
            // SecretBytes storage is a stable heap allocation kept alive by the caller's reference.
            try self.init(key: key.storage, outputLength: outputLength, salt: salt, personal: personal)
            withExtendedLifetime(key) {}
        }

        private init(copying other: State) {
            outputLength = other.outputLength
            raw = UnsafeMutableRawPointer.allocate(byteCount: Self.byteCount, alignment: 64)
            raw.copyMemory(from: other.raw, byteCount: Self.byteCount)
        }

        deinit {
            sodium_memzero(raw, Self.byteCount)
            raw.deallocate()
        }

        /// An independent copy (allocates once).
        public func copy() -> State { State(copying: self) }

        /// Overwrites this state with `other` without allocating. Both must share an output length.
        public func reset(to other: State) {
            precondition(outputLength == other.outputLength, "BLAKE2b states of different output lengths")
            raw.copyMemory(from: other.raw, byteCount: Self.byteCount)
        }

        /// Absorbs bytes.
        public func update(_ bytes: UnsafeRawBufferPointer) {
            guard bytes.count > 0, let base = bytes.baseAddress else { return }
            // Cannot fail for a state that init accepted and any length below 2^64.
            _ = crypto_generichash_blake2b_update(typed, base.assumingMemoryBound(to: UInt8.self), UInt64(bytes.count))
        }

        /// Absorbs an array.
        public func update(_ bytes: [UInt8]) {
            bytes.withUnsafeBytes { update($0) }
        }

        /// Writes the digest to `out` (exactly ``outputLength`` bytes). The state may not be
        /// updated or finalised again until it is ``reset(to:)``.
        public func finalize(into out: UnsafeMutableRawBufferPointer) {
            precondition(out.count == outputLength, "BLAKE2b output buffer length")
            let result = crypto_generichash_blake2b_final(
                typed, out.baseAddress!.assumingMemoryBound(to: UInt8.self), outputLength)
            precondition(result == 0, "crypto_generichash_blake2b_final on a finalised state")
        }

        /// Returns the digest. The state may not be used again until it is ``reset(to:)``.
        public func finalize() -> [UInt8] {
            var out = [UInt8](repeating: 0, count: outputLength)
            out.withUnsafeMutableBytes { finalize(into: $0) }
            return out
        }
    }
}
