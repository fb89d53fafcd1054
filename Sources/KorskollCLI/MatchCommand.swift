import ArgumentParser
import Foundation
import Matching
import Synth
#if canImport(Glibc)
import Glibc
#endif

/// `korskoll match`: the coordinator's matching engine, measured (`Protocols/matching.md`).
struct MatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "match",
        abstract: "Measure the matching engine: the exact join, and linkage quality on a synthetic population.",
        subcommands: [BenchExact.self, Quality.self])

    struct BenchExact: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bench-exact",
            abstract: "Intersect two columns of random 32-byte blinded values and print the time and peak memory (JSON).",
            discussion: """
                The data are made by SplitMix64 exactly as Tests/Benchmarks/exact_join_ref.c makes them, so the \
                plain C hash join there finds the same number of shared values (Tests/Benchmarks/exact_join_bench.sh \
                runs both).
                """)

        @Option(help: "Rows in each column.") var rows: Int = 10_000_000
        @Option(help: "Share of the second column's rows whose value is in the first.") var overlap: Double = 0.5
        @Option(help: "Threads.") var threads: Int = 2
        @Flag(help: "Let the second column insert too (as a run over N parties does).") var symmetric = false

        func validate() throws {
            guard rows >= 1, rows < 2_000_000_000 else { throw ValidationError("--rows must be between 1 and 2,000,000,000") }
            guard (0...1).contains(overlap) else { throw ValidationError("--overlap must be between 0 and 1") }
            guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        }

        func run() throws {
            let (a, b) = BenchData.columns(rows: rows, overlap: overlap)
            let rssBefore = peakResidentMiB()
            let start = DispatchTime.now()
            let join = ExactJoin(columns: [a, b], lastColumnProbes: !symmetric, threads: threads)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            let shared = (0..<join.groupCount).reduce(0) { n, g in
                let m = join.group(g)
                return n + (m.contains { join.locate($0).column == 0 } && m.contains { join.locate($0).column == 1 } ? 1 : 0)
            }
            let out: [String: Any] = [
                "implementation": "korskoll ExactJoin", "rows": rows, "overlap": overlap, "threads": threads,
                "symmetric": symmetric, "sharedValues": shared, "groups": join.groupCount, "seconds": (seconds * 1000).rounded() / 1000,
                "rowsPerSecond": Int(Double(2 * rows) / seconds), "peakRSSMiB": peakResidentMiB(), "inputMiB": (2 * rows * 32) >> 20,
                "peakRSSBeforeJoinMiB": rssBefore,
            ]
            let data = try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
    }
}

/// The benchmark's data, the same as `Tests/Benchmarks/exact_join_ref.c` makes.
enum BenchData {

    /// Column A: `rows` random values. Column B: row j < overlap·rows is A's row (j·7919 + 13) mod rows,
    /// the others new random values.
    static func columns(rows n: Int, overlap: Double) -> (BlindedColumn, BlindedColumn) {
        var ra = SplitMix64(seed: 1), rb = SplitMix64(seed: 2)
        var a = BlindedColumn(capacity: n), b = BlindedColumn(capacity: n)
        for _ in 0..<n { a.append(ra.next(), ra.next(), ra.next(), ra.next()) }
        let m = Int(overlap * Double(n))
        for j in 0..<n {
            if j < m {
                let i = (j * 7919 + 13) % n
                let v = a.value(i)!
                b.append(v.0, v.1, v.2, v.3)
            } else {
                b.append(rb.next(), rb.next(), rb.next(), rb.next())
            }
        }
        return (a, b)
    }
}

/// The process's peak resident set so far, in MiB.
func peakResidentMiB() -> Int {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Int(usage.ru_maxrss) / 1024
}
