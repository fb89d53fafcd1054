import Foundation

extension Linkage {
    /// The fuzzy candidates of a run: by party pair (key `partyA * partyCount + partyB`, A < B),
    /// with rows numbered within each party.
    struct Candidates {
        var byPair: [Int: [Candidate]] = [:]
        /// Pairs of rows scored.
        var compared = 0
        /// Blocks over ``Linkage/maxBlock`` rows left out, when blocked.
        var purgedBlocks: Int?
    }

    /// The kind of each blocking key slot of `korskoll-blocking-v1` (Protocols/blocking.md §4):
    /// `dob`, `names`, `surname-initial`, then three more `names` slots (the second to fourth given
    /// names). Slots of one kind are indexed together. Rows with fewer slots (three) use the first ones.
    static let blockingKindOfSlot = [0, 1, 2, 1, 1, 1]

    /// Pairs whose rows agree on their blocking keys are candidates from this Dice score (§5.2).
    public static let agreeingKeysThreshold = 0.7
    /// …and from this one when the key they agree on is rare (§5.2.1: E ≤ ``rareLimit``): a given
    /// name and surname written the wrong way round keep the names key but lose half the CLK.
    public static let rareAgreeingThreshold = 0.55

    /// The agreeing-keys rule of `matching.md` §5.2 for rows with `slots` blocking keys: the same
    /// birth-date key and a shared names key make a pair a candidate from
    /// ``rareAgreeingThreshold``; ``keepSupported`` keeps those below ``agreeingKeysThreshold``
    /// only on a rare key (§5.2.1).
    static func agreeingKeys(slots: Int) -> MultiPartyBlocking.AgreeingKeys? {
        slots >= 2 ? MultiPartyBlocking.AgreeingKeys(threshold: rareAgreeingThreshold, dateSlot: 0, namesKind: 1) : nil
    }

    /// The parties named in `named` that sent CLKs, in run order.
    /// - Throws: ``MatchError`` (`match.length-mismatch`) when their CLKs differ in length.
    static func fuzzyParties(_ rows: [PartyRows], named: Set<String>) throws -> [Int] {
        let withCLK = rows.indices.filter { named.contains(rows[$0].party) && rows[$0].clkBytes > 0 }
        guard Set(withCLK.map { rows[$0].clkBytes }).count <= 1 else {
            throw MatchError(.lengthMismatch, "the parties sent CLKs of different lengths: " + withCLK.map { "\(rows[$0].party) \(rows[$0].clkBytes)" }.joined(separator: ", "))
        }
        return withCLK
    }

    /// Step 2, candidates (`Protocols/matching.md` §5.2): every pair of rows of two of `parties`
    /// with CLKs and Dice ≥ `t`, of which at least one row has no person value — two rows that
    /// both carry a valid, different personnummer are two people. Rows already linked exactly stay
    /// candidates: a party can hold the same person in a row with a number and in one without.
    /// With `blocking`, and when every party sends the same blocking key kinds, only rows that
    /// share a key are compared (blocking.md §5); otherwise every such pair is.
    /// Rows in `doubted` (run-wide, §5.6) are compared as rows without a person value.
    /// With `agreeing` (the default), a pair whose rows agree on their blocking keys (§5.2) is a
    /// candidate from ``agreeingKeysThreshold``, blocked or not.
    static func candidates(_ rows: [PartyRows], parties withCLK: [Int], threshold t: Double, blocking: Bool, agreeing: Bool = true,
                           doubted: Set<Int> = [], offsets: [Int] = [], threads: Int, progress: (String) -> Void) -> Candidates {
        func identified(_ p: Int, _ i: Int) -> Bool { rows[p].person.isPresent(i) && (doubted.isEmpty || !doubted.contains(offsets[p] + i)) }
        var out = Candidates()
        let kinds = withCLK.first.map { rows[$0].blockingKeys } ?? 0
        if blocking && kinds > 0 && withCLK.allSatisfy({ rows[$0].blockingKeys == kinds }) {
            // Blocked: one index and one pass for the whole run (blocking.md §5).
            let words = rows[withCLK[0]].words
            let views = withCLK.map { p in
                let r = rows[p]
                return MultiPartyBlocking.Party(clkWords: r.clkWords, words: words, keys: r.blocks, hasCLK: r.hasCLK,
                                                withoutPerson: (0..<r.count).map { !identified(p, $0) })
            }
            // Protocols/api.md §6: the pass's progress by tenths, with its rate and the time left.
            let started = DispatchTime.now().uptimeNanoseconds
            var tenth = 0
            let kindOf = (0..<kinds).map { $0 < Self.blockingKindOfSlot.count ? Self.blockingKindOfSlot[$0] : $0 }
            let found = MultiPartyBlocking.candidates(views, words: words, kinds: kinds, kindOf: kindOf, threshold: t,
                                                      agreeing: agreeing ? Self.agreeingKeys(slots: kinds) : nil,
                                                      maxBlock: Linkage.maxBlock, threads: threads) { done, total in
                let now = total == 0 ? 10 : done * 10 / total
                guard now > tenth, now < 10 else { return }
                tenth = now
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
                let rate = seconds > 0 ? Double(done) / seconds : 0
                let left = rate > 0 ? Double(total - done) / rate : 0
                progress(String(format: "fuzzy, blocked: %d of %d rows scanned (%d%%), %.0f rows/s, %.0f s left", done, total, now * 10, rate, left))
            }
            out.compared += found.compared
            out.purgedBlocks = found.purgedBlocks
            for c in found.pairs {
                out.byPair[withCLK[c.partyA] * rows.count + withCLK[c.partyB], default: []].append(Candidate(a: c.rowA, b: c.rowB, score: c.score))
            }
            progress("fuzzy, blocked: \(withCLK.count) parties, \(found.compared) pairs compared, \(found.pairs.count) candidates")
        } else {
            for (x, pa) in withCLK.enumerated() {
                for pb in withCLK[(x + 1)...] {
                    let a = rows[pa], b = rows[pb]
                    let aRows = (0..<a.count).filter { a.hasCLK[$0] }, bRows = (0..<b.count).filter { b.hasCLK[$0] }
                    let aNoID = aRows.filter { !identified(pa, $0) }, aID = aRows.filter { identified(pa, $0) }
                    let bNoID = bRows.filter { !identified(pb, $0) }
                    var candidates: [Candidate] = []
                    // The row sets without a person value are the small ones: they are indexed.
                    for (small, smallRows, large, largeRows, smallIsA) in [(a, aNoID, b, bRows, true), (b, bNoID, a, aID, false)]
                        where !smallRows.isEmpty && !largeRows.isEmpty {
                        let fs = FilterSet(gathering: smallRows, from: small.clkWords, words: small.words, byteLength: small.clkBytes)
                        let fl = FilterSet(gathering: largeRows, from: large.clkWords, words: large.words, byteLength: large.clkBytes)
                        // The agreeing-keys rule (§5.2) on the same keys as the blocked pass.
                        let slots = small.blockingKeys, rule = agreeing && slots == large.blockingKeys ? Self.agreeingKeys(slots: slots) : nil
                        let kindOf = (0..<slots).map { $0 < Self.blockingKindOfSlot.count ? Self.blockingKindOfSlot[$0] : $0 }
                        let floor = rule.map { min($0.threshold, t) } ?? t
                        let found = CandidateGenerator.candidates(fs, fl, threshold: floor, threads: threads).filter { c in
                            c.score >= t || rule!.agree(small.blocks, smallRows[c.a], large.blocks, largeRows[c.b], slots: slots, kindOf: kindOf)
                        }
                        out.compared += smallRows.count * largeRows.count
                        candidates += found.map { c in
                            smallIsA ? Candidate(a: smallRows[c.a], b: largeRows[c.b], score: c.score)
                                     : Candidate(a: largeRows[c.b], b: smallRows[c.a], score: c.score)
                        }
                    }
                    out.byPair[pa * rows.count + pb] = candidates
                    progress("fuzzy \(a.party)×\(b.party): \(aRows.count)×\(bRows.count) rows, \(out.compared) pairs compared so far")
                }
            }
        }
        return out
    }
}
