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
    /// - Parameter maxBlock: a key that more than this many rows with a CLK carry, across all
    ///   parties, is not used (block purging, blocking.md §5.1): such a block says little, and
    ///   comparing it costs its size times the rows without a person value in it.
    public static func candidates(_ parties: [Party], words: Int, kinds: Int, threshold t: Double, maxBlock: Int = .max,
                                  progress: (Int) -> Void = { _ in }) -> (pairs: [Pair], compared: Int, purgedBlocks: Int) {
        guard kinds > 0, parties.count > 1 else { return ([], 0, 0) }
        for p in parties { precondition(p.keys.count == p.count * kinds) }
        // 1. The index: per kind, key → ids of rows without a person value (id → party, row).
        var idParty: [Int32] = [], idRow: [Int32] = [], idPop: [UInt32] = []
        var index = [[UInt64: [UInt32]]](repeating: [:], count: kinds)
        for (q, party) in parties.enumerated() {
            for s in 0..<party.count where party.hasCLK[s] && party.withoutPerson[s] {
                let id = UInt32(idParty.count)
                idParty.append(Int32(q)); idRow.append(Int32(s)); idPop.append(party.popcounts[s])
                for k in 0..<kinds {
                    let key = party.keys[s * kinds + k]
                    if key != 0 { index[k][key, default: []].append(id) }
                }
            }
        }
        // 2. Block sizes of the indexed keys; the blocks over maxBlock are dropped from the index.
        var purged = 0
        if maxBlock < .max {
            var size = [[UInt64: Int]](repeating: [:], count: kinds)
            for k in 0..<kinds { for key in index[k].keys { size[k][key] = 0 } }
            for party in parties {
                for r in 0..<party.count where party.hasCLK[r] {
                    for k in 0..<kinds {
                        let key = party.keys[r * kinds + k]
                        if key != 0, let c = size[k][key] { size[k][key] = c + 1 }
                    }
                }
            }
            for k in 0..<kinds {
                for (key, c) in size[k] where c > maxBlock { index[k][key] = nil; purged += 1 }
            }
        }
        // 3. One pass over every row: what it meets in the index, each pair once, in bounded
        // batches per party pair that the C kernel scores.
        let n = parties.count
        var pendingA = [[UInt32]](repeating: [], count: n * n), pendingB = [[UInt32]](repeating: [], count: n * n)
        var found = [[Candidate]](repeating: [], count: n * n)
        var compared = 0
        var common: [UInt32] = []
        func flush(_ a: Int, _ b: Int) {
            let cell = a * n + b
            let count = pendingA[cell].count
            guard count > 0 else { return }
            if common.count < count { common = [UInt32](repeating: 0, count: count) }
            parties[a].clkWords.withUnsafeBufferPointer { fa in
                parties[b].clkWords.withUnsafeBufferPointer { fb in
                    korskoll_common_pairs(fa.baseAddress!, fb.baseAddress!, words, pendingA[cell], pendingB[cell], count, &common)
                }
            }
            compared += count
            for k in 0..<count {
                let ra = Int(pendingA[cell][k]), rb = Int(pendingB[cell][k])
                let pa = parties[a].popcounts[ra], pb = parties[b].popcounts[rb]
                let score = pa == 0 || pb == 0 ? 0 : Double(2 * UInt64(common[k])) / Double(UInt64(pa) + UInt64(pb))
                if score >= t { found[cell].append(Candidate(a: ra, b: rb, score: score)) }
            }
            pendingA[cell].removeAll(keepingCapacity: true)
            pendingB[cell].removeAll(keepingCapacity: true)
        }
        // stamp[id] == the scanned row's number once the row has met id: each pair once without sorting.
        var stamp = [UInt64](repeating: .max, count: idParty.count)
        var scanned = 0
        for (p, party) in parties.enumerated() {
            for r in 0..<party.count where party.hasCLK[r] {
                let me = UInt64(scanned + r)
                let pr = party.popcounts[r], selfNoID = party.withoutPerson[r]
                for k in 0..<kinds {
                    let key = party.keys[r * kinds + k]
                    guard key != 0, let ids = index[k][key] else { continue }
                    for id in ids {
                        let i = Int(id)
                        guard stamp[i] != me else { continue }
                        stamp[i] = me
                        let q = Int(idParty[i])
                        guard q != p else { continue }
                        let s = Int(idRow[i])
                        // Two rows without a person value meet twice, once from each side: keep one.
                        if selfNoID && (p, r) > (q, s) { continue }
                        guard CandidateGenerator.canReach(pr, idPop[i], t) else { continue }
                        let (a, ra, b, rb) = p < q ? (p, r, q, s) : (q, s, p, r)
                        let cell = a * n + b
                        pendingA[cell].append(UInt32(ra)); pendingB[cell].append(UInt32(rb))
                        if pendingA[cell].count == 1 << 16 { flush(a, b) }
                    }
                }
            }
            scanned += party.count
            progress(scanned)
        }
        var out: [Pair] = []
        for a in 0..<n {
            for b in (a + 1)..<n {
                flush(a, b)
                found[a * n + b].sort()
                out += found[a * n + b].map { Pair(partyA: a, rowA: $0.a, partyB: b, rowB: $0.b, score: $0.score) }
            }
        }
        return (out, compared, purged)
    }
}
