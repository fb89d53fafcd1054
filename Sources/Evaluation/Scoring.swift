/// Scoring linkage against the synthetic population's ground truth (`Protocols/matching.md` §6).

/// Precision and recall counts: pairs (or rows) predicted, actual, and both.
public struct Counts: Sendable, Equatable {
    public init() {}
    public var predicted = 0, actual = 0, truePositives = 0
    public var precision: Double { predicted == 0 ? 1 : Double(truePositives) / Double(predicted) }
    public var recall: Double { actual == 0 ? 1 : Double(truePositives) / Double(actual) }
    public var f1: Double { precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall) }
    public var triple: String { String(format: "%7.3f%% / %7.3f%% / %.5f", 100 * precision, 100 * recall, f1) }
    public var json: [String: Any] { ["predicted": predicted, "actual": actual, "truePositives": truePositives, "precision": precision, "recall": recall, "f1": f1] }
    public static func += (a: inout Counts, b: Counts) { a.predicted += b.predicted; a.actual += b.actual; a.truePositives += b.truePositives }
}

/// One run scored against the truth: pairs of rows of different registers.
public struct Evaluation {
    public let label: String
    public let threshold: Double?
    public let blocking: Bool
    public let seconds: Double
    public let comparisons: Int
    public var pairs: [String: Counts] = [:]
    public var total = Counts()
    public var missedByProblem: [String: Int] = [:]
    /// Every true pair, counted under each problem its two rows carry (as ``missedByProblem``):
    /// with it, the recall of the pairs a problem touches.
    public var actualByProblem: [String: Int] = [:]
    /// The missed true pairs, when ``score(registers:truth:recordOfRow:groupOf:keepMisses:)`` was
    /// asked to keep them: both registers (indices), both records, and the problems of both rows.
    public var missed: [(p: Int, recordA: String, q: Int, recordB: String, problems: [String])] = []

    /// The recall of the true pairs whose rows carry `problem` (nil when none do).
    public func recall(of problem: String) -> Double? {
        guard let n = actualByProblem[problem], n > 0 else { return nil }
        return 1 - Double(missedByProblem[problem] ?? 0) / Double(n)
    }
    /// Fuzzy links alone and settled conflicts (set by the caller when scored).
    public var outcomes: LinkOutcomes?

    public init(label: String, threshold: Double?, blocking: Bool, seconds: Double, comparisons: Int) {
        self.label = label; self.threshold = threshold; self.blocking = blocking; self.seconds = seconds; self.comparisons = comparisons
    }

    public var json: [String: Any] {
        var o = base
        if let outcomes { o["outcomes"] = outcomes.json }
        return o
    }

    var base: [String: Any] {
        ["label": label, "threshold": threshold as Any, "blocking": blocking, "seconds": seconds, "comparisons": comparisons,
         "total": total.json, "pairs": pairs.mapValues(\.json), "missedByProblem": missedByProblem, "actualByProblem": actualByProblem]
    }

    /// Scores a run's groups (`groupOf[party][row]`) against the truth, for every pair of registers;
    /// a missed true pair is counted under each problem its two rows carry.
    public mutating func score(registers: [String], truth: TruthRows,
                        recordOfRow: [[String]], groupOf: [[Int]], keepMisses: Bool = false) {
        // Per register: group → rows, person → rows (every truth row, submitted or not), (group, person) → rows.
        struct Side { var group: [Int: Int] = [:]; var person: [Int: [String]] = [:]; var cell: [Int64: Int] = [:]; var groupOfRecord: [String: Int] = [:] }
        var sides: [Side] = []
        for (p, r) in registers.enumerated() {
            var s = Side()
            for (row, g) in groupOf[p].enumerated() {
                s.group[g, default: 0] += 1
                let record = recordOfRow[p][row]
                s.groupOfRecord[record] = g
                if let person = truth[r]?[record]?.person { s.cell[Int64(g) << 32 | Int64(person), default: 0] += 1 }
            }
            for (record, t) in truth[r] ?? [:] { if let person = t.person { s.person[person, default: []].append(record) } }
            sides.append(s)
        }
        for p in registers.indices {
            for q in registers.indices where p < q {
                var c = Counts()
                let (a, b) = sides[p].group.count <= sides[q].group.count ? (sides[p], sides[q]) : (sides[q], sides[p])
                for (g, n) in a.group { if let m = b.group[g] { c.predicted += n * m } }
                for (cell, n) in sides[p].cell { if let m = sides[q].cell[cell] { c.truePositives += n * m } }
                for (person, records) in sides[p].person {
                    guard let others = sides[q].person[person] else { continue }
                    c.actual += records.count * others.count
                    for x in records {
                        for y in others {
                            let gx = sides[p].groupOfRecord[x], gy = sides[q].groupOfRecord[y]
                            var problems = Set((truth[registers[p]]![x]!.problems + ";" + truth[registers[q]]![y]!.problems)
                                .split(separator: ";").map(String.init))
                            if gx == nil || gy == nil { problems.insert("row-not-submitted") }
                            if problems.isEmpty { problems.insert("none") }
                            for k in problems { actualByProblem[k, default: 0] += 1 }
                            guard gx == nil || gx != gy else { continue }
                            for k in problems { missedByProblem[k, default: 0] += 1 }
                            if keepMisses { missed.append((p, x, q, y, problems.sorted())) }
                        }
                    }
                }
                pairs["\(registers[p])+\(registers[q])"] = c
                total += c
            }
        }
    }
}
