import Tabular

/// The node's private map from submission rows to its own records (`Protocols/node.md` §3):
/// `rowmap.csv`, header `row,line,record_id`, rows numbered 0, 1, … in the map's order. It never
/// leaves the node.
public struct RowMap: Sendable {
    /// For each submission row, the export's line and the local record id.
    public let entries: [(line: String, record: String)]

    /// Reads `path`; a row out of order is refused by its line.
    public init(path: String) throws {
        let reader: CSVReader
        do { reader = try CSVReader(path: path) } catch { throw NodeError(.result, "cannot read the row map \(path)") }
        _ = try reader.next()
        var entries: [(line: String, record: String)] = []
        while let r = try reader.next() {
            guard r.fields.count == 3, Int(r.fields[0]) == entries.count else { throw NodeError(.result, "\(path) line \(r.line) is not row \(entries.count)") }
            entries.append((r.fields[1], r.fields[2]))
        }
        self.entries = entries
    }
}
