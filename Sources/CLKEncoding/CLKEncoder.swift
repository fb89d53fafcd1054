import Dispatch
import Sodium
import Tabular

/// Encodes records into Bloom filters bit-identical to clkhash 0.18.3's blakeHash encoding
/// (Protocols/clk.md §2).
///
/// The fast path keeps one keyed, salted BLAKE2b state per (feature, salt) and copies it into a
/// per-thread scratch state for every token, so the key block is set up once and no token
/// allocates.
public final class CLKEncoder: @unchecked Sendable {
    public let schema: LinkageSchema
    /// prefixes[feature][i]: BLAKE2b-512 keyed with key[2j] and salted with ASCII(str(i)).
    /// Read-only after init, hence safe to share across threads.
    private let prefixes: [[BLAKE2b.State]]
    private let mask: Int
    /// saltSources[j]: the salting of feature j (Protocols/clk.md §4.1), if any.
    private let saltings: [LinkageSchema.Hardening.Salting?]
    /// Protocols/clk.md §4.3: output bit permutation[i] takes bit i; nil without permutation.
    let permutation: [Int]?
    /// The HKDF label of the permutation key (Protocols/derivations.md §3).
    public static let permutationLabel = "korskoll/v1/clk-permutation"
    /// Tests set this to route every feature through `Comparison.tokens`, the naive reference
    /// that the n-gram fast path is cross-checked against.
    var useReferenceTokenizer = false
    /// Tests clear this to hash every token (the reference the token cache is checked against).
    var useTokenCache = true
    /// Slots of each workspace's token cache (a power of two); tests make it small to fill it.
    var tokenCacheSlots = 1 << 15
    /// When true, an empty value sets no bits instead of being validated (clkhash validates it,
    /// and rejects it for dates and other formats that do not accept ""). Node ingestion treats
    /// an empty cell as missing (Protocols/node.md §2.3); `clk encode` keeps clkhash's behaviour.
    public let emptyValuesSetNoBits: Bool

    /// Derives the feature keys from `secret` (clkhash's IKM) and prepares the prefix states.
    public init(schema: LinkageSchema, secret: SecretBytes, emptyValuesSetNoBits: Bool = false) throws {
        self.schema = schema
        self.emptyValuesSetNoBits = emptyValuesSetNoBits
        let f = schema.features.count
        let keySize = schema.kdf.keySize
        // Protocols/clk.md §2.1: L = F × 2 × keySize bytes, cut into 2F keys; ignored features
        // take their two keys as well.
        let keys = try HKDF.deriveKey(schema.kdf.hash, inputKeyMaterial: secret, salt: schema.kdf.salt,
                                      info: schema.kdf.info, length: f * 2 * keySize)
        var prefixes: [[BLAKE2b.State]] = []
        try keys.withUnsafeBytes { all in
            for (j, feature) in schema.features.enumerated() {
                guard !feature.ignored else { prefixes.append([]); continue }
                let key = UnsafeRawBufferPointer(rebasing: all[(2 * j * keySize)..<((2 * j + 1) * keySize)])
                let macs = Self.maxMacs(feature.strategy)
                prefixes.append(try (0..<macs).map { i in
                    try BLAKE2b.State(key: key, outputLength: 64, salt: Array(String(i).utf8))
                })
            }
        }
        self.prefixes = prefixes
        self.mask = schema.hashLength - 1
        var saltings = [LinkageSchema.Hardening.Salting?](repeating: nil, count: f)
        for salting in schema.hardening?.salting ?? [] { saltings[salting.feature] = salting }
        self.saltings = saltings
        if schema.hardening?.permutation == true {
            let key = try HKDF.deriveKey(.sha256, inputKeyMaterial: secret, salt: Array("korskoll/v1".utf8),
                                         info: Array(Self.permutationLabel.utf8), length: 32)
            permutation = try Self.keyedPermutation(count: schema.outputLength, key: key)
        } else {
            permutation = nil
        }
    }

    /// Protocols/clk.md §4.3: Fisher–Yates over 0..<count, position i (from count−1 down to 1)
    /// swapped with w_i mod (i + 1), where w_i is the i-th big-endian 64-bit word of the ChaCha20
    /// keystream `randombytes_buf_deterministic(8 × count, key)`. The modulo bias is below
    /// count / 2^64.
    static func keyedPermutation(count: Int, key: SecretBytes) throws -> [Int] {
        var p = Array(0..<count)
        guard count > 1 else { return p }
        let stream = try Random.deterministic(count: 8 * count, seed: key)
        stream.withUnsafeBytes { words in
            for i in stride(from: count - 1, through: 1, by: -1) {
                var w: UInt64 = 0
                for b in 0..<8 { w = w << 8 | UInt64(words[8 * i + b]) }
                p.swapAt(i, Int(w % UInt64(i + 1)))
            }
        }
        return p
    }

    /// The most 32-index digests one token can need.
    static func maxMacs(_ strategy: LinkageSchema.Strategy) -> Int {
        switch strategy {
        case .bitsPerToken(let k), .bitsPerFeature(let k): (k + 31) / 32
        }
    }

    /// Bytes of one encoding: ⌈l / 8⌉, or ⌈2l / 8⌉ when balanced.
    public var encodedByteCount: Int { (schema.outputLength + 7) / 8 }

    /// Per-thread working memory: reused for every record, so encoding allocates per record only
    /// for its output. The hot buffers are raw allocations held by `let`: accessing them costs no
    /// exclusivity or uniqueness check per token.
    public final class Workspace {
        let scratch: BLAKE2b.State
        /// This thread's own copies of the prefix states: sharing one object between threads makes
        /// its reference count a contended cache line.
        let prefixes: [[BLAKE2b.State]]
        /// The padded value's UTF-8 bytes and the byte offset where each scalar starts.
        let text: Buffer<UInt8>
        let starts: Buffer<Int>
        /// Token bytes for the reference path and the positional prefix.
        let token: Buffer<UInt8>
        var tokenBytes: [UInt8] = []
        let bits: Buffer<UInt8>
        let bitCount: Int
        let digest: Buffer<UInt8>
        /// salts[j]: this record's salt for feature j, hashed before each token (empty: none).
        var salts: [[UInt8]]
        /// Bit indices of tokens this workspace already hashed (Protocols/clk.md §2.9); nil when off.
        let cache: TokenCache?

        init(_ encoder: CLKEncoder) {
            let any = encoder.prefixes.first { !$0.isEmpty }?.first
            scratch = (any ?? (try! BLAKE2b.State(outputLength: 64))).copy()
            prefixes = encoder.prefixes.map { $0.map { $0.copy() } }
            text = Buffer(capacity: 256)
            starts = Buffer(capacity: 64)
            token = Buffer(capacity: 32)
            bitCount = (encoder.schema.hashLength + 7) / 8
            bits = Buffer(capacity: bitCount)
            digest = Buffer(capacity: 64)
            tokenBytes.reserveCapacity(256)
            salts = Array(repeating: [], count: encoder.schema.features.count)
            cache = encoder.useTokenCache ? TokenCache(slots: encoder.tokenCacheSlots) : nil
        }
    }

    /// Protocols/clk.md §2.9: the first digest's 32 indices of each (feature, unsalted token)
    /// this workspace hashed, so that a token met again (names and dates repeat across a
    /// register) costs a lookup instead of a BLAKE2b compression. Open addressing with linear
    /// probing over a fixed table; tokens longer than 16 bytes, and tokens once the table is half
    /// full, are hashed every time. The table is key-derived material: it lives in this process
    /// only and is wiped when the workspace goes away.
    final class TokenCache {
        let slots: Int
        var limit: Int { slots / 2 }
        /// Per slot: the token's bytes in two words and a tag (feature + 1) << 8 | length; tag 0 is empty.
        private let words: UnsafeMutablePointer<UInt64>
        private let indices: UnsafeMutablePointer<UInt16>
        private(set) var count = 0

        init(slots: Int) {
            precondition(slots > 1 && slots & (slots - 1) == 0, "a power of two")
            self.slots = slots
            words = .allocate(capacity: 3 * slots)
            words.initialize(repeating: 0, count: 3 * slots)
            indices = .allocate(capacity: 32 * slots)
            indices.initialize(repeating: 0, count: 32 * slots)
        }

        deinit {
            Sodium.wipe(words, count: 3 * slots * 8)
            Sodium.wipe(indices, count: 32 * slots * 2)
            words.deallocate()
            indices.deallocate()
        }

        /// Packs prefix ‖ token into the slot key; nil when longer than 16 bytes.
        @inline(__always)
        static func key(feature: Int, prefix: UnsafeRawBufferPointer, token: UnsafeRawBufferPointer) -> (UInt64, UInt64, UInt64)? {
            let length = prefix.count + token.count
            guard length <= 16 else { return nil }
            var a: UInt64 = 0, b: UInt64 = 0, i = 0
            for byte in prefix { if i < 8 { a |= UInt64(byte) << (8 * i) } else { b |= UInt64(byte) << (8 * (i - 8)) }; i += 1 }
            for byte in token { if i < 8 { a |= UInt64(byte) << (8 * i) } else { b |= UInt64(byte) << (8 * (i - 8)) }; i += 1 }
            return (a, b, UInt64(feature + 1) << 8 | UInt64(length))
        }

        /// The slot holding `key`, or the empty slot where it would go.
        @inline(__always)
        func slot(_ key: (UInt64, UInt64, UInt64)) -> (slot: Int, found: Bool) {
            var h = key.0 &* 0x9E37_79B9_7F4A_7C15 ^ key.1 &* 0xC2B2_AE3D_27D4_EB4F ^ key.2 &* 0x1656_67B1_9E37_79F9
            h ^= h >> 31
            var s = Int(truncatingIfNeeded: h) & (slots - 1)
            while true {
                let w = words + 3 * s
                if w[2] == 0 { return (s, false) }
                if w[0] == key.0 && w[1] == key.1 && w[2] == key.2 { return (s, true) }
                s = (s + 1) & (slots - 1)
            }
        }

        @inline(__always)
        func indices(at slot: Int) -> UnsafeMutablePointer<UInt16> { indices + 32 * slot }

        /// Claims an empty slot for `key`; its 32 indices are written by the caller.
        @inline(__always)
        func insert(_ key: (UInt64, UInt64, UInt64), at slot: Int) -> UnsafeMutablePointer<UInt16>? {
            guard count < limit else { return nil }
            count += 1
            let w = words + 3 * slot
            w[0] = key.0; w[1] = key.1; w[2] = key.2
            return indices + 32 * slot
        }
    }

    /// A growable raw buffer owned by one workspace.
    final class Buffer<T> {
        private(set) var pointer: UnsafeMutablePointer<T>
        private(set) var capacity: Int

        init(capacity: Int) {
            self.capacity = max(capacity, 1)
            pointer = .allocate(capacity: self.capacity)
        }

        deinit { pointer.deallocate() }

        /// Makes room for `count` elements (contents are not kept).
        @inline(__always)
        func reserve(_ count: Int) {
            guard count > capacity else { return }
            pointer.deallocate()
            capacity = max(count, capacity * 2)
            pointer = .allocate(capacity: capacity)
        }
    }

    public func makeWorkspace() -> Workspace { Workspace(self) }

    /// Encodes one record (values in schema-feature order, ignored features included). The
    /// error names the field; the caller adds the row.
    public func encode(_ record: [String], workspace: Workspace) -> Result<[UInt8], CLKError> {
        guard record.count == schema.features.count else {
            return .failure(CLKError(.recordShape, "has \(record.count) fields; the schema has \(schema.features.count)"))
        }
        let bitBytes = workspace.bits.pointer
        bitBytes.update(repeating: 0, count: workspace.bitCount)
        for (j, salting) in saltings.enumerated() {
            guard let salting else { continue }
            // Protocols/clk.md §4.1: salt = prefix of the source's formatted value ‖ 0x1F; a
            // source value that does not format counts as empty.
            var value = (try? schema.features[salting.source].formatted(record[salting.source]).get()) ?? ""
            if let n = salting.prefix { value = String(value.unicodeScalars.prefix(n)) }
            workspace.salts[j] = Array(value.utf8) + [0x1F]
        }
        for (j, feature) in schema.features.enumerated() where !feature.ignored {
            if emptyValuesSetNoBits && record[j].isEmpty { continue }
            let encoding = feature.format?.encoding ?? .utf8
            if !useReferenceTokenizer, case .ngram(let n, let positional) = feature.comparison,
               encoding == .utf8 || encoding == .ascii {
                // Fast path: token bytes written straight into the workspace, no String per token.
                // Same tokens as Comparison.tokens (the reference), checked by the clkhash vectors.
                let value: String
                switch feature.formatted(record[j]) {
                case .success(let v): value = v
                case .failure(let e): return .failure(CLKError(e.code, "field '\(feature.identifier)' \(e.reason)"))
                }
                ngramTokens(value, n: n, positional: positional, feature: j, strategy: feature.strategy, workspace: workspace)
                continue
            }
            let tokens: [String]
            switch feature.formatted(record[j]).flatMap({ feature.comparison.tokens($0) }) {
            case .success(let t): tokens = t
            case .failure(let e): return .failure(CLKError(e.code, "field '\(feature.identifier)' \(e.reason)"))
            }
            if tokens.isEmpty { continue }
            let count = feature.strategy.counts(tokens: tokens.count)
            for (t, token) in tokens.enumerated() {
                encoding.bytes(token, into: &workspace.tokenBytes)
                workspace.tokenBytes.withUnsafeBytes {
                    setBits(feature: j, k: count(t), prefix: UnsafeRawBufferPointer(start: nil, count: 0), token: $0, workspace: workspace)
                }
            }
        }
        return .success(harden(fold(Array(UnsafeBufferPointer(start: bitBytes, count: workspace.bitCount)))))
    }

    /// Protocols/clk.md §4.2–§4.3: balancing appends the complement; the permutation moves bit
    /// i to position permutation[i].
    private func harden(_ folded: [UInt8]) -> [UInt8] {
        guard let hardening = schema.hardening else { return folded }
        let l = schema.length
        var bits = folded
        if hardening.balancing {
            var out = [UInt8](repeating: 0, count: (2 * l + 7) / 8)
            for i in 0..<l {
                if Self.bit(folded, i) { out[i >> 3] |= 0x80 >> UInt8(i & 7) } else { out[(l + i) >> 3] |= 0x80 >> UInt8((l + i) & 7) }
            }
            bits = out
        }
        if let permutation {
            var out = [UInt8](repeating: 0, count: bits.count)
            for (i, target) in permutation.enumerated() where Self.bit(bits, i) { out[target >> 3] |= 0x80 >> UInt8(target & 7) }
            bits = out
        }
        return bits
    }

    /// Convenience for single records.
    public func encode(_ record: [String]) -> Result<[UInt8], CLKError> {
        encode(record, workspace: makeWorkspace())
    }

    /// n-gram tokens of `value` hashed directly from UTF-8 bytes (Protocols/clk.md §2.3): the
    /// padded value is laid out once with the byte offset of every scalar, and each token is
    /// hashed straight from that layout, after its positional prefix when there is one.
    private func ngramTokens(_ value: String, n: Int, positional: Bool, feature j: Int,
                             strategy: LinkageSchema.Strategy, workspace w: Workspace) {
        guard !value.isEmpty, n > 0 else { return }
        var v = value
        v.withUTF8 { utf8 in
            let padBytes = n - 1
            w.text.reserve(utf8.count + 2 * padBytes)
            w.starts.reserve(utf8.count + 2 * padBytes + 1)
            let text = w.text.pointer, starts = w.starts.pointer
            var length = 0, scalars = 0
            for _ in 0..<padBytes { starts[scalars] = length; scalars += 1; text[length] = 0x20; length += 1 }
            for b in utf8 {
                if b & 0xC0 != 0x80 { starts[scalars] = length; scalars += 1 }
                text[length] = b; length += 1
            }
            for _ in 0..<padBytes { starts[scalars] = length; scalars += 1; text[length] = 0x20; length += 1 }
            starts[scalars] = length
            guard scalars >= n else { return }
            let tokenCount = scalars - n + 1
            let count = strategy.counts(tokens: tokenCount)
            for i in 0..<tokenCount {
                var prefixLength = 0
                if positional {
                    prefixLength = DecimalText.write(i + 1, to: w.token.pointer)
                    w.token.pointer[prefixLength] = 0x20
                    prefixLength += 1
                }
                let body = UnsafeRawBufferPointer(start: text + starts[i], count: starts[i + n] - starts[i])
                setBits(feature: j, k: count(i), prefix: UnsafeRawBufferPointer(start: w.token.pointer, count: prefixLength),
                        token: body, workspace: w)
            }
        }
    }

    /// Protocols/clk.md §2.5: k indices from ⌈k/32⌉ keyed BLAKE2b-512 digests with salts "0", "1",
    /// …, each digest read as 32 little-endian 16-bit values, taken mod hash_l; MSB-first bits.
    /// The hashed message is salt(F) ‖ prefix ‖ token (§4.1; the salt is empty without hardening).
    @inline(__always)
    private func setBits(feature j: Int, k: Int, prefix: UnsafeRawBufferPointer, token: UnsafeRawBufferPointer, workspace w: Workspace) {
        let salted = !w.salts[j].isEmpty
        let bits = w.bits.pointer
        // Protocols/clk.md §2.9: one digest's worth of indices per unsalted token, remembered per workspace.
        var store: UnsafeMutablePointer<UInt16>? = nil
        if k <= 32, !salted, let cache = w.cache, let key = TokenCache.key(feature: j, prefix: prefix, token: token) {
            let (slot, found) = cache.slot(key)
            if found {
                let cached = cache.indices(at: slot)
                for m in 0..<k { let index = Int(cached[m]); bits[index >> 3] |= 0x80 >> UInt8(index & 7) }
                return
            }
            store = cache.insert(key, at: slot)
        }
        var remaining = k
        var mac = 0
        let states = w.prefixes[j]
        let d = w.digest.pointer
        while remaining > 0 {
            w.scratch.reset(to: states[mac])
            if salted { w.salts[j].withUnsafeBytes { w.scratch.update($0) } }
            if prefix.count > 0 { w.scratch.update(prefix) }
            w.scratch.update(token)
            w.scratch.finalize(into: UnsafeMutableRawBufferPointer(start: d, count: 64))
            if let store {
                for m in 0..<32 { store[m] = UInt16((Int(d[2 * m]) | Int(d[2 * m + 1]) << 8) & mask) }
            }
            let take = min(remaining, 32)
            for m in 0..<take {
                let index = (Int(d[2 * m]) | Int(d[2 * m + 1]) << 8) & mask
                bits[index >> 3] |= 0x80 >> UInt8(index & 7)
            }
            remaining -= take
            mac += 1
        }
    }

    /// Protocols/clk.md §2.7: halve by XOR `xor_folds` times.
    private func fold(_ input: [UInt8]) -> [UInt8] {
        var bits = input
        var length = schema.hashLength
        for _ in 0..<schema.xorFolds {
            let half = length / 2
            if half % 8 == 0 {
                let bytes = half / 8
                var next = [UInt8](repeating: 0, count: bytes)
                for i in 0..<bytes { next[i] = bits[i] ^ bits[i + bytes] }
                bits = next
            } else {
                var next = [UInt8](repeating: 0, count: (half + 7) / 8)
                for i in 0..<half where Self.bit(bits, i) != Self.bit(bits, i + half) {
                    next[i >> 3] |= 0x80 >> UInt8(i & 7)
                }
                bits = next
            }
            length = half
        }
        return bits
    }

    static func bit(_ bits: [UInt8], _ i: Int) -> Bool { bits[i >> 3] & (0x80 >> UInt8(i & 7)) != 0 }

    /// Encodes many records on `threads` threads; results in input order.
    public func encodeAll(_ records: [[String]], threads: Int = 2) -> [Result<[UInt8], CLKError>] {
        let n = records.count
        var results = [Result<[UInt8], CLKError>](repeating: .success([]), count: n)
        // One contiguous share per thread: concurrentPerform runs at most `threads` at once.
        let chunks = max(1, min(threads, n))
        results.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            nonisolated(unsafe) let target = base
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let workspace = makeWorkspace()
                for i in (n * c / chunks)..<(n * (c + 1) / chunks) {
                    target[i] = encode(records[i], workspace: workspace)
                }
            }
        }
        return results
    }
}
