import Foundation

// Protocols/api.md §3.10: the parties' signed period counts and the released joint reports are
// files under `reports/<agreement>/<period>/`: `<party>.json` (the body as received) and
// `released.json` (the signed joint report). A file that exists is a period already reported.
extension FileLayout {
    /// The directory of one period's reports of `agreement`, created when missing.
    func reportDirectory(agreement: String, period: String) throws -> String {
        let dir = "\(root)/reports/\(agreement)/\(period)"
        do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
            throw CoordinatorError(.unavailable, "cannot create a report directory; retry later")
        }
        return dir
    }

    /// Where `party`'s signed counts for `period` are kept.
    func partyReport(agreement: String, period: String, party: String) throws -> String {
        "\(try reportDirectory(agreement: agreement, period: period))/\(party).json"
    }

    /// Where the released joint report of `period` is kept.
    func releasedReport(agreement: String, period: String) throws -> String {
        "\(try reportDirectory(agreement: agreement, period: period))/released.json"
    }
}
