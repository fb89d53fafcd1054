import Agreements
import Foundation
import Sodium
import Wire

/// Whether a submission's header fits its agreement, its sender and the submissions already
/// stored (Protocols/api.md §3.3). A value with no I/O: it sees the opened header and the stored
/// rows, and returns nil (accepted) or the refusal.
struct SubmissionPolicy {
    let agreement: Agreement
    /// The coordinator's party id.
    let coordinator: String

    /// The header names this agreement, the sender and this coordinator, and uses the agreement's
    /// CLK schema and blocking scheme.
    func checkHeader(_ h: Submission.Header, sender party: String) -> CoordinatorError? {
        let a = agreement
        guard h.agreementID == a.id else { return CoordinatorError(.submission, "the submission is for agreement \(h.agreementID), not \(a.id)") }
        guard h.party == party else { return CoordinatorError(.submission, "the submission names party \(h.party), but \(party) sent it") }
        guard h.recipient == coordinator else { return CoordinatorError(.submission, "the submission is sealed for \(h.recipient), not \(coordinator)") }
        if let digest = a.match.schemaDigest, h.clkBytes > 0, Hex.encode(h.schemaDigest) != digest {
            return CoordinatorError(.submission, "the submission's CLK schema digest differs from the agreement's")
        }
        guard h.blocking == (a.match.blocking ?? "") else {
            return CoordinatorError(.submission, "the submission's blocking scheme '\(h.blocking)' differs from the agreement's '\(a.match.blocking ?? "")'")
        }
        return nil
    }

    /// The digest stored with a submission row: the header's schema digest when it carries CLKs.
    static func storedSchemaDigest(_ h: Submission.Header) -> String? { h.clkBytes > 0 ? Hex.encode(h.schemaDigest) : nil }

    /// The CLK schema equals the one the first stored submission with CLKs used (compared by
    /// the digests stored with the rows, without opening another party's file).
    func checkSchema(_ h: Submission.Header, against stored: [SubmissionRecord]) -> CoordinatorError? {
        guard let mine = Self.storedSchemaDigest(h), let other = stored.first(where: { $0.schemaDigest != nil }),
              other.schemaDigest != mine else { return nil }
        return CoordinatorError(.submission, "the CLK schema differs from the one \(other.party) used")
    }
}
