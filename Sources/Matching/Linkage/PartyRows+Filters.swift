import Wire

extension PartyRows {
    /// Rows that carry a CLK and nothing else — no pseudonym, no blocking key, no attribute — one
    /// per filter of `filters`, in order: what `korskoll clk link` hands to ``Linkage`` to decide
    /// fuzzy links between two clkhash files by the coordinator's own rule (`Protocols/matching.md`
    /// §5.2), for evaluation against other linkers on the same CLKs (§6.3).
    public init(party: String, filters: FilterSet) {
        self.init(party: party, attributeNames: [], capacity: filters.count, clkBytes: filters.byteLength)
        for i in 0..<filters.count {
            let words = filters.storage[(i * filters.words)..<((i + 1) * filters.words)]
            let bytes = words.flatMap { w in (0..<8).map { UInt8(truncatingIfNeeded: w >> (8 * $0)) } }
            append(Submission.Record(person: nil, organisation: nil, clk: Array(bytes.prefix(filters.byteLength)), attributes: []))
        }
    }
}
