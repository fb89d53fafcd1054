import Foundation
import Testing

/// `korskoll keyholder bench` (Protocols/keyholder.md §10): the report's operation counts and its
/// two bounds, read from the real command's JSON.
@Suite struct KeyHolderBenchCommandTests {
    @Test func theReportCountsEveryOperationAndItsAllOperationsBoundIsTheTighter() throws {
        let r = try Korskoll.run(["keyholder", "bench", "--count", "32", "--threads", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let primitives = try #require(report["primitivesPerSecond"] as? [String: Double])
        #expect(Set(primitives.keys) == ["scalarMult", "hashToGroup", "decode", "hashToScalar", "add", "outputHash"])
        #expect(primitives.values.allSatisfy { $0 > 0 })
        let t = try #require(report["threshold"] as? Int)
        for key in ["rates", "parallelRates"] {
            let rates = try #require(report[key] as? [[String: Any]])
            #expect(rates.map { $0["operation"] as? String } == ["node-blind", "keyholder-evaluate", "node-verify-combine-finalise"])
            for rate in rates {
                let ops = try #require(rate["operations"] as? [String: Int])
                #expect(ops["scalarMults"] == rate["scalarMultsPerItem"] as? Int)
                // Counting more than the multiplications can only lower the bound.
                let mults = try #require(rate["boundPerSecond"] as? Double), all = try #require(rate["boundAllOpsPerSecond"] as? Double)
                #expect(all <= mults, "\(key) \(rate["operation"]!)")
            }
            let finish = try #require(rates.last?["operations"] as? [String: Int])
            #expect(finish == ["scalarMults": 3 * t, "hashToGroup": 0, "decodes": t, "hashToScalar": t, "adds": 3 * t, "outputHashes": 1])
        }
    }
}
