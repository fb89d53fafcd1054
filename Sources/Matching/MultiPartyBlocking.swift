import CDice
import Dispatch
import Foundation

/// Blocked candidate pairs of a whole run at once (Protocols/blocking.md §5, matching.md §5.2):
/// one index over the rows without a person value of every party, and one pass over every row of
/// every party, instead of one index and one pass per party pair. The pairs are exactly (checked
/// against a naive reference in the tests) the rows of different parties that share a blocking key
/// of the same kind, at least one of them without a person value, with Dice ≥ threshold, or with
/// Dice ≥ the agreeing-keys threshold when their keys agree (matching.md §5.2).
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

    /// The agreeing-keys rule (Protocols/matching.md §5.2): a pair whose rows carry the same
    /// nonzero key in slot `dateSlot` and share a nonzero key of kind `namesKind` (in any slots of
    /// that kind) is a candidate from Dice ≥ `threshold`, when that is below the run's threshold.
    public struct AgreeingKeys: Sendable {
        public let threshold: Double, dateSlot: Int, namesKind: Int
        public init(threshold: Double, dateSlot: Int, namesKind: Int) {
            self.threshold = threshold; self.dateSlot = dateSlot; self.namesKind = namesKind
        }

        /// Whether rows `i` of `x` and `j` of `y` (keys `slots` per row, kinds `kindOf`) agree.
        func agree(_ x: [UInt64], _ i: Int, _ y: [UInt64], _ j: Int, slots: Int, kindOf: [Int]) -> Bool {
            let d = x[i * slots + dateSlot]
            guard d != 0, d == y[j * slots + dateSlot] else { return false }
            for s in 0..<slots where kindOf[s] == namesKind {
                let k = x[i * slots + s]
                guard k != 0 else { continue }
                for u in 0..<slots where kindOf[u] == namesKind && y[j * slots + u] == k { return true }
            }
            return false
        }
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
    ///   `kinds` is the number of key slots per row; `kindOf` gives each slot's kind (slots of one
    ///   kind are indexed together, blocking.md §5), by default each slot its own. With `agreeing`,
    ///   pairs that agree on its keys are kept from its lower threshold.
    public static func candidates(_ parties: [Party], words: Int, kinds: Int, kindOf: [Int]? = nil, threshold t: Double,
                                  agreeing: AgreeingKeys? = nil, maxBlock: Int = .max, threads: Int = 2,
                                  progress: (_ rowsDone: Int, _ rowsTotal: Int) -> Void = { _, _ in }) -> (pairs: [Pair], compared: Int, purgedBlocks: Int) {
        guard kinds > 0, parties.count > 1 else { return ([], 0, 0) }
        for p in parties { precondition(p.keys.count == p.count * kinds) }
        let kindOf = kindOf ?? Array(0..<kinds)
        precondition(kindOf.count == kinds && kindOf.allSatisfy { (0..<kinds).contains($0) })
        // 1. The index: per kind, key → ids of rows without a person value (id → party, row).
        var idParty: [Int32] = [], idRow: [Int32] = [], idPop: [UInt32] = []
        var index = [[UInt64: [UInt32]]](repeating: [:], count: kinds)
        for (q, party) in parties.enumerated() {
            for s in 0..<party.count where party.hasCLK[s] && party.withoutPerson[s] {
                let id = UInt32(idParty.count)
                idParty.append(Int32(q)); idRow.append(Int32(s)); idPop.append(party.popcounts[s])
                for k in 0..<kinds {
                    let key = party.keys[s * kinds + k]
                    // A key repeated in two slots of one kind is indexed once.
                    if key != 0 && !(0..<k).contains(where: { kindOf[$0] == kindOf[k] && party.keys[s * kinds + $0] == key }) {
                        index[kindOf[k]][key, default: []].append(id)
                    }
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
                        guard key != 0, !(0..<k).contains(where: { kindOf[$0] == kindOf[k] && party.keys[r * kinds + $0] == key }) else { continue }
                        if let c = size[kindOf[k]][key] { size[kindOf[k]][key] = c + 1 }
                    }
                }
            }
            for k in 0..<kinds {
                for (key, c) in size[k] where c > maxBlock { index[k][key] = nil; purged += 1 }
            }
        }
        // 3. One pass over every row: what it meets in the index, each pair once, in bounded
        // batches per party pair that the C kernel scores. Chunks of rows go to the workers in turn.
        let n = parties.count
        let chunk = 1 << 16
        var chunks: [(party: Int, rows: Range<Int>)] = []
        for (p, party) in parties.enumerated() {
            for start in stride(from: 0, to: party.count, by: chunk) { chunks.append((p, start..<min(party.count, start + chunk))) }
        }
        let workers = max(1, min(threads, chunks.count))
        let shared = Shared(parties: parties, index: index, idParty: idParty, idRow: idRow, idPop: idPop, kinds: kinds, kindOf: kindOf,
                            words: words, threshold: t, agreeing: agreeing.flatMap { $0.threshold < t ? $0 : nil })
        let results = WorkerResults(count: workers)
        let ids = idParty.count, work = chunks
        let total = parties.reduce(0) { $0 + $1.count }
        withoutActuallyEscaping(progress) { report in
            // Rows scanned so far, reported after each chunk from whichever worker finished it.
            let relay = ProgressRelay(report)
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                var worker = Worker(shared, ids: ids)
                for c in stride(from: w, to: work.count, by: workers) {
                    worker.scan(party: work[c].party, rows: work[c].rows)
                    relay.add(work[c].rows.count, of: total)
                }
                worker.flushAll()
                results.set(w, worker)
            }
        }
        var out: [Pair] = []
        var compared = 0
        let done = results.all()
        for a in 0..<n {
            for b in (a + 1)..<n {
                var found = done.flatMap { $0.found[a * n + b] }
                found.sort()
                out += found.map { Pair(partyA: a, rowA: $0.a, partyB: b, rowB: $0.b, score: $0.score) }
            }
        }
        for w in done { compared += w.compared }
        return (out, compared, purged)
    }

    /// Adds up the rows the workers scanned and reports the running total, one report at a time.
    final class ProgressRelay: @unchecked Sendable {
        private let lock = NSLock()
        private let report: (Int, Int) -> Void
        private var done = 0
        init(_ report: @escaping (Int, Int) -> Void) { self.report = report }
        func add(_ rows: Int, of total: Int) {
            lock.lock(); defer { lock.unlock() }
            done += rows
            report(done, total)
        }
    }

    /// What every worker reads.
    struct Shared: @unchecked Sendable {
        let parties: [Party]
        let index: [[UInt64: [UInt32]]]
        let idParty: [Int32], idRow: [Int32], idPop: [UInt32]
        let kinds: Int, kindOf: [Int], words: Int, threshold: Double
        let agreeing: AgreeingKeys?
        /// The lowest score a pair can be kept at.
        var floor: Double { agreeing.map { min($0.threshold, threshold) } ?? threshold }
    }

    /// One worker's scan state: its own stamps, pending pairs and found candidates.
    struct Worker {
        let shared: Shared
        let n: Int
        var pendingA: [[UInt32]], pendingB: [[UInt32]]
        var found: [[Candidate]]
        var compared = 0
        var common: [UInt32] = []
        /// stamp[id] == the scanned row's tag once the row has met id: each pair once without sorting.
        var stamp: [UInt64]

        init(_ shared: Shared, ids: Int) {
            self.shared = shared
            n = shared.parties.count
            pendingA = Array(repeating: [], count: n * n)
            pendingB = Array(repeating: [], count: n * n)
            found = Array(repeating: [], count: n * n)
            stamp = Array(repeating: .max, count: ids)
        }

        mutating func scan(party p: Int, rows: Range<Int>) {
            let party = shared.parties[p], kinds = shared.kinds, t = shared.threshold, floor = shared.floor
            for r in rows where party.hasCLK[r] {
                let me = UInt64(p) << 40 | UInt64(r)
                let pr = party.popcounts[r], selfNoID = party.withoutPerson[r]
                for k in 0..<kinds {
                    let key = party.keys[r * kinds + k]
                    guard key != 0, let ids = shared.index[shared.kindOf[k]][key] else { continue }
                    for id in ids {
                        let i = Int(id)
                        guard stamp[i] != me else { continue }
                        stamp[i] = me
                        let q = Int(shared.idParty[i])
                        guard q != p else { continue }
                        let s = Int(shared.idRow[i])
                        // Two rows without a person value meet twice, once from each side: keep one.
                        if selfNoID && (p, r) > (q, s) { continue }
                        guard CandidateGenerator.canReach(pr, shared.idPop[i], floor) else { continue }
                        // Below the run's threshold only pairs that agree on their keys may be kept:
                        // the others are not scored (the compared pairs stay those of the threshold).
                        if let rule = shared.agreeing, !CandidateGenerator.canReach(pr, shared.idPop[i], t) {
                            let other = shared.parties[q]
                            guard rule.agree(party.keys, r, other.keys, s, slots: kinds, kindOf: shared.kindOf) else { continue }
                        }
                        let (a, ra, b, rb) = p < q ? (p, r, q, s) : (q, s, p, r)
                        let cell = a * n + b
                        pendingA[cell].append(UInt32(ra)); pendingB[cell].append(UInt32(rb))
                        if pendingA[cell].count == 1 << 16 { flush(a, b) }
                    }
                }
            }
        }

        mutating func flushAll() {
            for a in 0..<n { for b in (a + 1)..<n { flush(a, b) } }
        }

        mutating func flush(_ a: Int, _ b: Int) {
            let cell = a * n + b
            let count = pendingA[cell].count
            guard count > 0 else { return }
            if common.count < count { common = [UInt32](repeating: 0, count: count) }
            let x = shared.parties[a], y = shared.parties[b], words = shared.words, t = shared.threshold
            x.clkWords.withUnsafeBufferPointer { fa in
                y.clkWords.withUnsafeBufferPointer { fb in
                    korskoll_common_pairs(fa.baseAddress!, fb.baseAddress!, words, pendingA[cell], pendingB[cell], count, &common)
                }
            }
            compared += count
            for k in 0..<count {
                let ra = Int(pendingA[cell][k]), rb = Int(pendingB[cell][k])
                let pa = x.popcounts[ra], pb = y.popcounts[rb]
                let score = pa == 0 || pb == 0 ? 0 : Double(2 * UInt64(common[k])) / Double(UInt64(pa) + UInt64(pb))
                if score >= t || (shared.agreeing.map { score >= $0.threshold && $0.agree(x.keys, ra, y.keys, rb, slots: shared.kinds, kindOf: shared.kindOf) } ?? false) {
                    found[cell].append(Candidate(a: ra, b: rb, score: score))
                }
            }
            pendingA[cell].removeAll(keepingCapacity: true)
            pendingB[cell].removeAll(keepingCapacity: true)
        }
    }

    final class WorkerResults: @unchecked Sendable {
        private var workers: [Worker?]
        private let lock = NSLock()
        init(count: Int) { workers = Array(repeating: nil, count: count) }
        func set(_ i: Int, _ w: Worker) { lock.lock(); workers[i] = w; lock.unlock() }
        func all() -> [Worker] { workers.map { $0! } }
    }
}
