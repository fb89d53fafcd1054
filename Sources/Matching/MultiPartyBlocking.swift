import CDice

/// Blocked candidate pairs of a whole run at once (Protocols/blocking.md §5, matching.md §5.2):
/// one index over the rows without a person value of every party, and one pass over every row of
/// every party, instead of one index and one pass per party pair. The pairs are exactly those of
/// ``BlockedCandidates`` run on every party pair in both directions (checked in the tests): rows
/// of different parties that share a blocking key of the same kind, at least one of them without
/// a person value, with Dice ≥ threshold.
public enum MultiPartyBlocking {
    /// One party's rows: CLKs as `words` 64-bit words per row (row r at `r * words`), `kinds`
    /// blocking keys per row (0 absent), and which rows have a CLK and which lack a person value.
    public struct Party: Sendable {
        public let clkWords: [UInt64]
        public let keys: [UInt64]
        public let hasCLK: [Bool]
        public let withoutPerson: [Bool]
        public let popcounts: [UInt32]

        public init(clkWords: [UInt64], words: Int, keys: [UInt64], hasCLK: [Bool], withoutPerson: [Bool]) {
            precondition(hasCLK.count == withoutPerson.count && clkWords.count >= hasCLK.count * words)
            self.clkWords = clkWords
            self.keys = keys
            self.hasCLK = hasCLK
            self.withoutPerson = withoutPerson
            popcounts = clkWords.withUnsafeBufferPointer { b in
                (0..<hasCLK.count).map { UInt32(korskoll_popcount(b.baseAddress! + $0 * words, words)) }
            }
        }
        var count: Int { hasCLK.count }
    }

    /// A candidate between row `rowA` of party `partyA` and row `rowB` of party `partyB`, partyA < partyB.
    public struct Pair: Sendable, Equatable {
        public let partyA: Int, rowA: Int, partyB: Int, rowB: Int
        public let score: Double
    }

    /// - Returns: the pairs, ordered by party pair and then like ``Candidate`` (score down, rows
    ///   up), and how many pairs were compared bit by bit.
    public static func candidates(_ parties: [Party], words: Int, kinds: Int, threshold t: Double,
                                  progress: (Int) -> Void = { _ in }) -> (pairs: [Pair], compared: Int) {
        guard kinds > 0, parties.count > 1 else { return ([], 0) }
        for p in parties { precondition(p.keys.count == p.count * kinds) }
        // 1. The index: per kind, key → (party, row) of rows without a person value.
        var index = [[UInt64: [UInt64]]](repeating: [:], count: kinds)
        for (q, party) in parties.enumerated() {
            for s in 0..<party.count where party.hasCLK[s] && party.withoutPerson[s] {
                for k in 0..<kinds {
                    let key = party.keys[s * kinds + k]
                    if key != 0 { index[k][key, default: []].append(UInt64(q) << 40 | UInt64(s)) }
                }
            }
        }
        // 2. One pass over every row: what it meets in the index, each pair once.
        var byPartyPair: [Int: (ia: [UInt32], ib: [UInt32])] = [:]
        var seen: [UInt64] = []
        var scanned = 0
        for (p, party) in parties.enumerated() {
            for r in 0..<party.count where party.hasCLK[r] {
                seen.removeAll(keepingCapacity: true)
                for k in 0..<kinds {
                    let key = party.keys[r * kinds + k]
                    guard key != 0, let rows = index[k][key] else { continue }
                    seen.append(contentsOf: rows)
                }
                guard !seen.isEmpty else { continue }
                if seen.count > 1 { seen.sort() }
                var last = UInt64.max
                let me = UInt64(p) << 40 | UInt64(r)
                for x in seen where x != last {
                    last = x
                    let q = Int(x >> 40), s = Int(x & (1 << 40 - 1))
                    guard q != p else { continue }
                    // Two rows without a person value meet twice, once from each side: keep one.
                    if party.withoutPerson[r] && me > x { continue }
                    guard CandidateGenerator.canReach(party.popcounts[r], parties[q].popcounts[s], t) else { continue }
                    let (a, ra, b, rb) = p < q ? (p, r, q, s) : (q, s, p, r)
                    byPartyPair[a * parties.count + b, default: ([], [])].ia.append(UInt32(ra))
                    byPartyPair[a * parties.count + b, default: ([], [])].ib.append(UInt32(rb))
                }
            }
            scanned += party.count
            progress(scanned)
        }
        // 3. Dice on the pairs that survived the popcount bound, party pair by party pair.
        var out: [Pair] = []
        var compared = 0
        for key in byPartyPair.keys.sorted() {
            let (ia, ib) = byPartyPair[key]!
            let a = key / parties.count, b = key % parties.count
            var common = [UInt32](repeating: 0, count: ia.count)
            parties[a].clkWords.withUnsafeBufferPointer { fa in
                parties[b].clkWords.withUnsafeBufferPointer { fb in
                    korskoll_common_pairs(fa.baseAddress!, fb.baseAddress!, words, ia, ib, ia.count, &common)
                }
            }
            compared += ia.count
            var found: [Candidate] = []
            for k in 0..<ia.count {
                let pa = parties[a].popcounts[Int(ia[k])], pb = parties[b].popcounts[Int(ib[k])]
                let score = pa == 0 || pb == 0 ? 0 : Double(2 * UInt64(common[k])) / Double(UInt64(pa) + UInt64(pb))
                if score >= t { found.append(Candidate(a: Int(ia[k]), b: Int(ib[k]), score: score)) }
            }
            found.sort()
            out += found.map { Pair(partyA: a, rowA: $0.a, partyB: b, rowB: $0.b, score: $0.score) }
        }
        return (out, compared)
    }
}
