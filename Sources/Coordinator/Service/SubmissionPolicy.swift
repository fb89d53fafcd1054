import API
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
        // Protocols/blocking.md §4: the scheme fixes its keys per row; a submission with another
        // count (one made before the scheme had six) would block against nothing and fall back to
        // comparing every row.
        if let keys = Submission.blockingKeyCount[h.blocking], h.blockingKeys != keys {
            return CoordinatorError(.submission, "the submission sends \(h.blockingKeys) blocking keys per row; scheme \(h.blocking) has \(keys)")
        }
        return checkDeclared(h)
    }

    /// Protocols/agreements.md §3: the header sends only what the agreement declares for its
    /// party: identifier kinds with non-zero counts, CLKs, and attributes by name, each plain
    /// or sealed to the declared recipients.
    func checkDeclared(_ h: Submission.Header) -> CoordinatorError? {
        let kinds = Set((h.personIDs > 0 ? ["person"] : []) + (h.organisationIDs > 0 ? ["organisation"] : []))
        let attributes = h.attributes.map { (name: $0, sealedTo: [String]()) } + h.sealedAttributes.map { (name: $0.name, sealedTo: $0.recipients) }
        do { try agreement.checkDeclared(party: h.party, sends: SentShape(identifierKinds: kinds, clks: h.clks > 0, attributes: attributes)) } catch let e as AgreementError {
            return CoordinatorError(.submission, e.reason)
        } catch { return CoordinatorError(.submission, "the submission does not fit the agreement") }
        return nil
    }

    /// Protocols/agreements.md §3: every plain attribute value of row `row` is empty or one of
    /// the values the agreement declares (sealed values are checked by their recipients); an
    /// identity change (wire.md §3.3) comes only from a relations party, and in a standing
    /// agreement only in a list, never in a check.
    func checkRecord(_ r: Submission.Record, header h: Submission.Header, row: Int, kind: StandingKind? = nil) -> CoordinatorError? {
        guard let party = agreement.party(h.party) else { return CoordinatorError(.submission, "'\(h.party)' is not a party to \(agreement.id)") }
        for (name, value) in zip(h.attributes, r.attributes) {
            guard let declared = party.attribute(name), declared.allows(value) else {
                return CoordinatorError(.submission, "row \(row): attribute \(name) has a value outside the set agreement \(agreement.id) declares")
            }
        }
        // Protocols/wire.md §3.4: evidence values ride on the blocking scheme, keyed like its keys;
        // a row sends them only together with its blocking keys.
        if (r.address != nil || r.givenNames != nil) && r.blocks == nil {
            return CoordinatorError(.submission, "row \(row): address or given-name evidence values without blocking keys (wire.md §3.4)")
        }
        // Protocols/standing.md §1: identity changes come only from a party in the relations role.
        if r.previousPerson != nil && !agreement.holdsRelations(h.party) {
            return CoordinatorError(.submission, "row \(row): \(h.party) sends a previous person number (an identity change), which only a party with the relations role may send in agreement \(agreement.id)")
        }
        if r.previousPerson != nil && kind == .check {
            return CoordinatorError(.submission, "row \(row): a check carries a previous person number (an identity change); identity changes are sent as a relations list")
        }
        return nil
    }

    /// What the `submission.accepted` event says the party sent (Protocols/log.md §6.5): the
    /// attribute names with their readers, e.g. `category>fk` or `role>coordinator`.
    static func sentAttributes(_ h: Submission.Header) -> String {
        (h.attributes.map { "\($0)>coordinator" } + h.sealedAttributes.map { "\($0.name)>\($0.recipients.joined(separator: "+"))" }).joined(separator: ",")
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

    /// Protocols/standing.md §1.2, §2: a standing agreement admits a list from a reference or
    /// relations party and a check from a subjects party, on a coordinator UTC `day` inside its
    /// validity.
    func checkStanding(party: String, kind: StandingKind, day: String) -> CoordinatorError? {
        let a = agreement
        if let v = a.validity, !v.contains(day: day) {
            if day < v.from { return CoordinatorError(.agreementNotYetValid, "agreement \(a.id) is valid from \(v.from); today (UTC) is \(day)") }
            if day > v.until { return CoordinatorError(.agreementExpired, "agreement \(a.id) was valid until \(v.until); today (UTC) is \(day)") }
        }
        let roles = a.roles(of: party)
        switch kind {
        case .list where roles.isDisjoint(with: [.reference, .relations]):
            return CoordinatorError(.listRole, "\(party) holds no reference or relations role in \(a.id) and submits no list")
        case .check where !roles.contains(.subjects):
            return CoordinatorError(.checkRole, "\(party) holds no subjects role in \(a.id) and submits no check")
        default:
            return nil
        }
    }
}
