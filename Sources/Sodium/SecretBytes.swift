import CSodium

/// Bytes that must not leak: key material and linkage secrets.
///
/// The storage is wiped with `sodium_memzero` when the last reference goes away, equality runs in
/// constant time (`sodium_memcmp`, for equal lengths), and every textual representation is
/// `<redacted>`, so a secret that reaches a log line or an error message by mistake shows nothing.
public final class SecretBytes: @unchecked Sendable {
    // Immutable after init; shared read-only, hence @unchecked Sendable.
    private let pointer: UnsafeMutableRawPointer
    /// The number of secret bytes.
    public let count: Int

    /// Allocates `count` bytes and lets `initializer` fill them.
    public init(count: Int, initializer: (UnsafeMutableRawBufferPointer) throws -> Void) rethrows {
        precondition(count >= 0, "negative secret length")
        Sodium.ensureInitialized()
        // Fill a local allocation first: if `initializer` throws, no stored property is set, so
        // deinit does not run and the buffer is wiped and freed exactly once, here.
        let pointer = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: 16)
        do {
            try initializer(UnsafeMutableRawBufferPointer(start: pointer, count: count))
        } catch {
            sodium_memzero(pointer, count)
            pointer.deallocate()
            throw error
        }
        self.pointer = pointer
        self.count = count
    }

    /// Copies `bytes` into secret storage. The caller remains responsible for wiping its copy.
    public convenience init<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        self.init(count: bytes.count) { buffer in
            _ = buffer.initializeMemory(as: UInt8.self, from: bytes)
        }
    }

    /// `count` bytes from the operating system's CSPRNG (`randombytes_buf`).
    public static func random(count: Int) -> SecretBytes {
        SecretBytes(count: count) { buffer in
            if let base = buffer.baseAddress { randombytes_buf(base, buffer.count) }
        }
    }

    deinit {
        sodium_memzero(pointer, count)
        pointer.deallocate()
    }

    /// Gives read access to the secret. Do not let the pointer escape `body`.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    /// The storage, for callers inside this module that keep `self` alive across the use.
    var storage: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: pointer, count: count) }

    /// Copies the secret out. Only for writing it to a protected file or sealing it; the copy is
    /// not wiped automatically.
    public func unsafeCopy() -> [UInt8] {
        withUnsafeBytes { Array($0) }
    }
}

extension SecretBytes: Equatable {
    /// Constant-time comparison of equal-length secrets; different lengths are unequal.
    public static func == (lhs: SecretBytes, rhs: SecretBytes) -> Bool {
        guard lhs.count == rhs.count else { return false }
        return lhs.withUnsafeBytes { a in
            rhs.withUnsafeBytes { b in
                sodium_memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0
            }
        }
    }
}

extension SecretBytes: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

/// Random bytes from libsodium's CSPRNG.
public enum Random {
    /// `count` non-secret random bytes (nonces, identifiers). Use ``SecretBytes/random(count:)``
    /// for keys.
    public static func bytes(_ count: Int) -> [UInt8] {
        Sodium.ensureInitialized()
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { if let base = $0.baseAddress { randombytes_buf(base, count) } }
        return out
    }

    /// A uniform integer in `0..<upperBound` without modulo bias (`randombytes_uniform`).
    public static func uniform(_ upperBound: UInt32) -> UInt32 {
        Sodium.ensureInitialized()
        return randombytes_uniform(upperBound)
    }

    /// `count` bytes of the ChaCha20 keystream under the 32-byte `seed`
    /// (`randombytes_buf_deterministic`): the same seed always gives the same bytes. For keyed,
    /// reproducible choices such as a secret permutation; the output is as secret as the seed.
    public static func deterministic(count: Int, seed: SecretBytes) throws -> SecretBytes {
        Sodium.ensureInitialized()
        let seedLength = Int(randombytes_seedbytes())
        guard seed.count == seedLength else { throw SodiumError.length("deterministic random seed", expected: "\(seedLength)", got: seed.count) }
        return SecretBytes(count: count) { out in
            seed.withUnsafeBytes { s in
                if let base = out.baseAddress { randombytes_buf_deterministic(base, count, s.baseAddress!.assumingMemoryBound(to: UInt8.self)) }
            }
        }
    }
}

/// Uniform integers from libsodium's CSPRNG, read 4 KiB at a time: for loops that draw one
/// number per row (shuffles), where a system call per draw would dominate. One instance per
/// thread.
public final class BufferedRandom {
    private var buffer = [UInt32](repeating: 0, count: 1024)
    private var next = 1024

    public init() { Sodium.ensureInitialized() }

    private func word() -> UInt32 {
        if next == buffer.count {
            buffer.withUnsafeMutableBytes { randombytes_buf($0.baseAddress!, $0.count) }
            next = 0
        }
        defer { next += 1 }
        return buffer[next]
    }

    /// A uniform integer in `0..<upperBound` without modulo bias: the rejection rule of
    /// `randombytes_uniform`.
    public func uniform(_ upperBound: UInt32) -> UInt32 {
        guard upperBound >= 2 else { return 0 }
        let minimum = (0 &- upperBound) % upperBound
        var r = word()
        while r < minimum { r = word() }
        return r % upperBound
    }
}

/// Constant-time comparison of two public-length byte strings (MACs, digests).
public func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    Sodium.ensureInitialized()
    guard a.count == b.count else { return false }
    if a.isEmpty { return true }
    return a.withUnsafeBytes { x in b.withUnsafeBytes { y in sodium_memcmp(x.baseAddress!, y.baseAddress!, a.count) == 0 } }
}
