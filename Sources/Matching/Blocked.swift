import CDice

/// Candidate pairs under keyed blocking (Protocols/blocking.md §5): only pairs of rows that share
/// at least one blocking key of the same kind are compared, each pair once, by the same Dice and
/// threshold test as ``CandidateGenerator`` (so a blocked run finds a subset of the unblocked
/// candidates, and all of them when every true pair shares a key).
public enum BlockedCandidates {
    /// - Parameters:
    ///   - keysA, keysB: `kinds` keys per row, row after row; 0 is absent and matches nothing.
    ///   The index is built over `first`, which should be the smaller set.
    public static func candidates(_ first: FilterSet, keysA: [UInt64], _ second: FilterSet, keysB: [UInt64],
                                  kinds: Int, threshold t: Double) -> (candidates: [Candidate], compared: Int) {
        precondition(keysA.count == first.count * kinds && keysB.count == second.count * kinds)
        precondition(first.words == second.words || first.count == 0 || second.count == 0)
        guard first.count > 0, second.count > 0, kinds > 0 else { return ([], 0) }
        var index = [[UInt64: [UInt32]]](repeating: [:], count: kinds)
        for i in 0..<first.count {
            for k in 0..<kinds where keysA[i * kinds + k] != 0 { index[k][keysA[i * kinds + k], default: []].append(UInt32(i)) }
        }
        var ia: [UInt32] = [], ib: [UInt32] = []
        var seen: [UInt32] = []
        for j in 0..<second.count {
            seen.removeAll(keepingCapacity: true)
            for k in 0..<kinds {
                let key = keysB[j * kinds + k]
                guard key != 0, let rows = index[k][key] else { continue }
                seen.append(contentsOf: rows)
            }
            guard !seen.isEmpty else { continue }
            if seen.count > 1 { seen.sort() }
            var last = UInt32.max
            for i in seen where i != last {
                last = i
                // The popcount bound of matching.md §2 first: most pairs in a block cannot reach t.
                if CandidateGenerator.canReach(first.popcounts[Int(i)], second.popcounts[j], t) {
                    ia.append(i); ib.append(UInt32(j))
                }
            }
        }
        var common = [UInt32](repeating: 0, count: ia.count)
        first.storage.withUnsafeBufferPointer { fa in
            second.storage.withUnsafeBufferPointer { fb in
                korskoll_common_pairs(fa.baseAddress!, fb.baseAddress!, first.words, ia, ib, ia.count, &common)
            }
        }
        var out: [Candidate] = []
        for k in 0..<ia.count {
            let pa = first.popcounts[Int(ia[k])], pb = second.popcounts[Int(ib[k])]
            let score = pa == 0 ? 0 : Double(2 * UInt64(common[k])) / Double(UInt64(pa) + UInt64(pb))
            if score >= t { out.append(Candidate(a: Int(ia[k]), b: Int(ib[k]), score: score)) }
        }
        out.sort()
        return (out, ia.count)
    }
}
