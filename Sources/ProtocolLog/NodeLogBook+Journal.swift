import Foundation

/// The node's own journal beside its log book (`Protocols/log.md` §4.1): what the node refused
/// or did on its own, with no coordinator to log it — a refused outcome, a report sent. One
/// event per line (`LogEvent` JSON, `journal.jsonl` in the state directory, mode 0600), appended.
/// It names no record id.
extension NodeLogBook {
    /// The journal file in `state`.
    public static func journalPath(state: String) -> String { state + "/journal.jsonl" }

    /// Appends `event` to the journal of `state` (its `seq` is the line's index).
    public static func note(_ event: LogEvent, state: String) throws {
        let path = journalPath(state: state)
        do { try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true) } catch {
            throw LogError(.io, "cannot create the node's state directory \(state)")
        }
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw LogError(.io, "cannot create \(path)")
            }
        }
        var e = event
        e.seq = UInt64(journal(state: state).count)
        guard let handle = FileHandle(forWritingAtPath: path) else { throw LogError(.io, "cannot open \(path)") }
        defer { try? handle.close() }
        do {
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(e.encoded() + [0x0A]))
        } catch { throw LogError(.io, "cannot append to \(path)") }
    }

    /// The journal's events, oldest first (a line that is not an event is skipped).
    public static func journal(state: String) -> [LogEvent] {
        guard let data = FileManager.default.contents(atPath: journalPath(state: state)) else { return [] }
        return data.split(separator: 0x0A).compactMap { try? LogEvent(leaf: Array($0)) }
    }
}
