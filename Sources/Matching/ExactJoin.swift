import CDice
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Blinded identifiers of one column (one identifier kind of one party): 32 bytes per row held
/// as four little-endian words, contiguously, in memory that asks for transparent huge pages
/// (the join reads the values at random). A row without a value is all zero
/// (`Protocols/matching.md` §5.1: a pseudonym is a keyed hash, all zero with probability 2⁻²⁵⁶).
/// The capacity is fixed when it is made: a submission's header gives its row count.
public struct BlindedColumn: @unchecked Sendable {
    final class Storage {
        let words: UnsafeMutablePointer<UInt64>
        let capacity: Int
        init(rows: Int) {
            capacity = rows
            words = HugePages.allocate(words: max(4, 4 * rows))
        }
        deinit { HugePages.free(words, words: max(4, 4 * capacity)) }
    }

    let storage: Storage
    public private(set) var count = 0
    public var capacity: Int { storage.capacity }
    var words: UnsafePointer<UInt64> { UnsafePointer(storage.words) }

    public init(capacity rows: Int) { storage = Storage(rows: rows) }

    /// Appends a 32-byte value, or an absent one for nil.
    public mutating func append(_ value: [UInt8]?) {
        precondition(count < capacity, "the column is full")
        if let value {
            precondition(value.count == 32, "a blinded value has 32 bytes")
            value.withUnsafeBytes { raw in
                for i in 0..<4 { storage.words[4 * count + i] = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)) }
            }
        }
        count += 1
    }

    public mutating func append(_ w0: UInt64, _ w1: UInt64, _ w2: UInt64, _ w3: UInt64) {
        precondition(count < capacity, "the column is full")
        let p = storage.words + 4 * count
        p[0] = w0; p[1] = w1; p[2] = w2; p[3] = w3
        count += 1
    }

    public func isPresent(_ row: Int) -> Bool {
        precondition(row < count)
        let p = words + 4 * row
        return p[0] | p[1] | p[2] | p[3] != 0
    }

    /// The row's value as four words, for equality and hashing without allocation.
    public func value(_ row: Int) -> (UInt64, UInt64, UInt64, UInt64)? {
        guard isPresent(row) else { return nil }
        let p = words + 4 * row
        return (p[0], p[1], p[2], p[3])
    }
}

/// Zeroed anonymous memory, marked for transparent huge pages where the kernel offers them:
/// with 4 KiB pages every random access also misses the TLB.
enum HugePages {
    static func allocate(words: Int) -> UnsafeMutablePointer<UInt64> {
        let bytes = words * 8
        guard let raw = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), raw != MAP_FAILED else {
            fatalError("cannot map \(bytes >> 20) MiB")
        }
        _ = madvise(raw, bytes, MADV_HUGEPAGE)
        return raw.bindMemory(to: UInt64.self, capacity: words)
    }

    static func free(_ p: UnsafeMutablePointer<UInt64>, words: Int) { munmap(p, words * 8) }
}

/// The exact N-column join (`Protocols/matching.md` §5.1): every value present in two or more
/// rows, with those rows. Rows are named by a global id, the column's offset plus the row.
///
/// One open-addressing table of 8-byte slots, `tag(32) ‖ gid + 1 (32)`, sized to a load of at
/// most 0.6 over the rows that insert. The position comes from the high bits of a seeded mix of
/// all four words and the tag from the low 32 bits, so the full 32 bytes are compared only when
/// a tag matches (true matches, and one false tag in 2³² otherwise). The table is split into
/// one part per thread by the top bits of the hash; each thread streams every column, keeps the
/// rows that fall in its part and prefetches their slots in batches. A row whose value is
/// already in the table is written down as (first gid, gid); a radix sort of those pairs gives
/// the groups. Memory: the table, the pairs of matched rows (8 bytes each) and the groups.
public struct ExactJoin: Sendable {
    /// Where each column's global ids start, plus the total.
    public let offsets: [Int]
    /// Group g is `members[groupStart[g]..<groupStart[g + 1]]`, global ids in increasing order.
    public let groupStart: [UInt32]
    public let members: [UInt32]

    public var groupCount: Int { groupStart.count - 1 }
    public func group(_ g: Int) -> ArraySlice<UInt32> { members[Int(groupStart[g])..<Int(groupStart[g + 1])] }

    /// The column and row of a global id.
    public func locate(_ gid: UInt32) -> (column: Int, row: Int) {
        var lo = 0, hi = offsets.count - 1
        while hi - lo > 1 { let m = (lo + hi) / 2; if offsets[m] <= Int(gid) { lo = m } else { hi = m } }
        return (lo, Int(gid) - offsets[lo])
    }

    /// - Parameters:
    ///   - lastColumnProbes: the last column only looks values up and never inserts, so a value
    ///     held only by rows of the last column forms no group. A two-party intersection builds
    ///     on the first column and probes with the second, which halves the table.
    ///   - seed: mixes the hash, so that nobody who submits values can aim them at one slot.
    public init(columns: [BlindedColumn], lastColumnProbes: Bool = false, threads: Int = 2, seed: UInt64 = 0x6B6F_7273_6B6F_6C6C) {
        self.init(columns: columns, lastColumnProbes: lastColumnProbes, threads: threads, seed: seed, tagMask: 0xFFFF_FFFF)
    }

    /// `tagMask` narrows the tags, so that tests can make tags match by chance and exercise the
    /// continued probe.
    init(columns: [BlindedColumn], lastColumnProbes: Bool, threads: Int, seed: UInt64, tagMask: UInt64) {
        var offsets = [0]
        for c in columns { offsets.append(offsets.last! + c.count) }
        precondition(offsets.last! < Int(UInt32.max), "the exact join takes fewer than 2³² rows")
        self.offsets = offsets
        let inserting = lastColumnProbes && !columns.isEmpty ? offsets[columns.count - 1] : offsets.last!

        let partBits = threads >= 4 ? 2 : (threads >= 2 ? 1 : 0)
        let parts = 1 << partBits
        var slotBits = 10
        while Double(1 << slotBits) * 0.6 < Double(inserting) { slotBits += 1 }
        slotBits = max(slotBits, partBits + 4)
        let subBits = slotBits - partBits
        let table = HugePages.allocate(words: 1 << slotBits)
        defer { HugePages.free(table, words: 1 << slotBits) }

        var pairsOfPart = [[UInt64]](repeating: [], count: parts)
        let columnCount = columns.count
        let lastProbes = lastColumnProbes
        let offsetsOf = offsets
        let bases = columns.map(\.words), rowsOf = columns.map(\.count)
        let shift = UInt64(64 - slotBits)
        pairsOfPart.withUnsafeMutableBufferPointer { out in
            nonisolated(unsafe) let sink = out.baseAddress!
            nonisolated(unsafe) let slots = table
            nonisolated(unsafe) let keysOf = bases
            let work: @Sendable (Int) -> Void = { part in
                let base = slots + (part << subBits)
                let mask = (1 << subBits) - 1
                @inline(__always) func key(_ gid: UInt32) -> UnsafePointer<UInt64> {
                    var c = 0
                    while offsetsOf[c + 1] <= Int(gid) { c += 1 }
                    return keysOf[c] + 4 * (Int(gid) - offsetsOf[c])
                }
                var pairs: [UInt64] = []
                // Virtual memory only: pages are touched as pairs are written, and never copied.
                pairs.reserveCapacity(offsetsOf.last! / parts + 1024)
                let batch = 32
                let bRow = UnsafeMutablePointer<Int>.allocate(capacity: batch), bHash = UnsafeMutablePointer<UInt64>.allocate(capacity: batch)
                let bSlot = UnsafeMutablePointer<Int>.allocate(capacity: batch)
                defer { bRow.deallocate(); bHash.deallocate(); bSlot.deallocate() }
                for c in 0..<columnCount {
                    let insert = !(lastProbes && c == columnCount - 1)
                    let keys = keysOf[c], rows = rowsOf[c], first = UInt32(offsetsOf[c])
                    var start = 0
                    while start < rows {
                        let end = min(rows, start + batch)
                        // 1. Hash, keep this part's rows, prefetch their slots.
                        var n = 0
                        for r in start..<end {
                            let k = keys + 4 * r
                            let w0 = k[0], w1 = k[1], w2 = k[2], w3 = k[3]
                            guard w0 | w1 | w2 | w3 != 0 else { continue }
                            let h = ExactJoin.mix(w0, w1, w2, w3, seed)
                            guard partBits == 0 || Int(h >> UInt64(64 - partBits)) == part else { continue }
                            bRow[n] = r; bHash[n] = h
                            korskoll_prefetch(base + (Int(truncatingIfNeeded: h >> shift) & mask))
                            n += 1
                        }
                        // 2. Walk each probe to the first empty slot (insert) or matching tag (prefetch
                        // the value it names, compared in step 3).
                        for i in 0..<n {
                            let h = bHash[i], tag = h & tagMask
                            var pos = Int(truncatingIfNeeded: h >> shift) & mask
                            bSlot[i] = -1
                            while true {
                                let s = base[pos]
                                if s == 0 {
                                    if insert { base[pos] = tag << 32 | UInt64(first + UInt32(bRow[i]) + 1) }
                                    break
                                }
                                if s >> 32 == tag { bSlot[i] = pos; korskoll_prefetch(key(UInt32(truncatingIfNeeded: s) - 1)); break }
                                pos = (pos + 1) & mask
                            }
                        }
                        // 3. Full compares in row order; a tag that matched by chance continues its probe.
                        for i in 0..<n where bSlot[i] >= 0 {
                            let k = keys + 4 * bRow[i], gid = first + UInt32(bRow[i]), tag = bHash[i] & tagMask
                            var pos = bSlot[i]
                            while true {
                                let s = base[pos]
                                if s == 0 {
                                    if insert { base[pos] = tag << 32 | UInt64(gid + 1) }
                                    break
                                }
                                if s >> 32 == tag {
                                    let other = UInt32(truncatingIfNeeded: s) - 1, o = key(other)
                                    if o[0] == k[0] && o[1] == k[1] && o[2] == k[2] && o[3] == k[3] {
                                        pairs.append(UInt64(other) << 32 | UInt64(gid))
                                        break
                                    }
                                }
                                pos = (pos + 1) & mask
                            }
                        }
                        start = end
                    }
                }
                sink[part] = pairs
            }
            if parts == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: parts, execute: work) }
        }
        // Group the pairs by their first gid: a stable radix sort (which keeps each group's gids in
        // order) through the table's memory, which is no longer needed and is already mapped.
        (groupStart, members) = ExactJoin.group(pairsOfPart, scratch: table, scratchWords: 1 << slotBits)
        pairsOfPart = []
    }

    @inline(__always)
    static func mix(_ w0: UInt64, _ w1: UInt64, _ w2: UInt64, _ w3: UInt64, _ seed: UInt64) -> UInt64 {
        var h = (w0 ^ seed) &* 0x9E37_79B9_7F4A_7C15
        h ^= (w1 << 21 | w1 >> 43) &* 0xC2B2_AE3D_27D4_EB4F
        h ^= (w2 << 37 | w2 >> 27) &* 0x1656_67B1_9E37_79F9
        h ^= w3
        h ^= h >> 32
        h &*= 0xD6E8_FEB8_6659_FD93
        h ^= h >> 29
        return h
    }

    /// Pairs (first gid, gid) → groups: `first` then every gid paired with it, in order. A stable
    /// LSD radix sort on the first gid, 16 bits a pass.
    static func group(_ parts: [[UInt64]], scratch: UnsafeMutablePointer<UInt64>, scratchWords: Int) -> ([UInt32], [UInt32]) {
        let n = parts.reduce(0) { $0 + $1.count }
        guard n > 0 else { return ([0], []) }
        let own = 2 * n > scratchWords ? UnsafeMutablePointer<UInt64>.allocate(capacity: 2 * n) : nil
        defer { own?.deallocate() }
        let x = own ?? scratch, y = x + n
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: 65_536)
        defer { counts.deallocate() }
        func pass(_ shift: UInt64, _ sources: [UnsafeBufferPointer<UInt64>], into out: UnsafeMutablePointer<UInt64>) {
            counts.initialize(repeating: 0, count: 65_536)
            for src in sources { for v in src { counts[Int((v >> shift) & 0xFFFF)] += 1 } }
            var sum = 0
            for d in 0..<65_536 { let c = counts[d]; counts[d] = sum; sum += c }
            for src in sources { for v in src { let d = Int((v >> shift) & 0xFFFF); out[counts[d]] = v; counts[d] += 1 } }
        }
        func withBuffers<R>(_ i: Int, _ acc: [UnsafeBufferPointer<UInt64>], _ body: ([UnsafeBufferPointer<UInt64>]) -> R) -> R {
            i == parts.count ? body(acc) : parts[i].withUnsafeBufferPointer { withBuffers(i + 1, acc + [$0], body) }
        }
        withBuffers(0, []) { pass(32, $0, into: x) }
        pass(48, [UnsafeBufferPointer(start: x, count: n)], into: y)

        var groups = 0
        let members = [UInt32](unsafeUninitializedCapacity: 2 * n) { out, filled in
            var i = 0, m = 0
            while i < n {
                let head = y[i] >> 32
                out[m] = UInt32(head); m += 1
                while i < n, y[i] >> 32 == head { out[m] = UInt32(truncatingIfNeeded: y[i]); m += 1; i += 1 }
                groups += 1
            }
            filled = m
        }
        let starts = [UInt32](unsafeUninitializedCapacity: groups + 1) { out, filled in
            var i = 0, m = 0, g = 0
            out[0] = 0
            while i < n {
                let head = y[i] >> 32
                m += 1
                while i < n, y[i] >> 32 == head { m += 1; i += 1 }
                g += 1
                out[g] = UInt32(m)
            }
            filled = g + 1
        }
        return (starts, members)
    }
}
