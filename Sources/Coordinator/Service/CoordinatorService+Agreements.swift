import API
import Agreements
import Foundation
import Parties
import ProtocolLog
import Sodium
import Wire

// Agreements and the key ceremony (Protocols/api.md §3.1, §3.2).
extension CoordinatorService {
    /// The registered agreement `id`; 404 when there is none.
    func agreement(_ id: String) throws -> Agreement {
        guard let document = try store.agreementDocument(id) else {
            throw CoordinatorError(.notFound, "agreement \(id) is not registered")
        }
        return try Agreement(json: document, source: "agreement \(id)")
    }

    /// Registers a fully signed agreement sent by one of its parties (api.md §3.1).
    public func registerAgreement(party: String, document: Data, signatures: Data) throws -> RegisterAgreementAnswer {
        let a: Agreement
        let sigs: AgreementSignatures
        do {
            a = try Agreement(json: document)
            sigs = try JSONDecoder().decode(AgreementSignatures.self, from: signatures)
            try sigs.verifyComplete(a, registry: registry)
        } catch let e as AgreementError {
            throw CoordinatorError(.agreement, e.reason)
        } catch let e as KeyError {
            throw CoordinatorError(.agreement, e.reason)
        } catch is DecodingError {
            throw CoordinatorError(.agreement, "signatures are not a korskoll-agreement-signatures-v1 document")
        }
        guard a.coordinator == id else { throw CoordinatorError(.agreement, "agreement \(a.id) names coordinator '\(a.coordinator)', not '\(id)'") }
        guard a.partyIDs.contains(party) else { try forbid(party, agreement: a.id, "party '\(party)' is not a party to agreement \(a.id)", path: "/v1/agreements") }
        if let existing = try? agreement(a.id) {
            guard existing.hash == a.hash else { throw CoordinatorError(.conflict, "agreement \(a.id) is registered with other content") }
            return RegisterAgreementAnswer(agreement: a.id, hash: hex(a.hash), registered: false)
        }
        // api.md §5.1: the document is staged, the event logged, then the row inserted; a restart
        // between the last two re-inserts the row from the staged document.
        let time = now()
        try layout.stageAgreement(id: a.id, document: document, signatures: signatures)
        FaultPoint.agreementBeforeLog.reach()
        try record(LogEvent(time: time, type: .agreementRegistered, agreement: a.id, party: party, hash: hex(a.hash),
                            parties: sigs.signatures.map(\.party).sorted()))
        FaultPoint.agreementBeforeStore.reach()
        try storeWrite { try store.insertAgreement(id: a.id, hash: hex(a.hash), document: document, signatures: signatures, registered: time) }
        FaultPoint.agreementAfterStore.reach()
        return RegisterAgreementAnswer(agreement: a.id, hash: hex(a.hash), registered: true)
    }

    /// The lead party (the agreement's first) relays the linkage secret sealed to each node (api.md §3.2).
    public func putCeremony(party: String, agreementID: String, to recipient: String, blob: Data) throws {
        let a = try agreement(agreementID)
        guard a.parties.first?.id == party else {
            try forbid(party, agreement: a.id, "only the lead party '\(a.parties.first?.id ?? "")' relays the key ceremony of \(a.id)", path: "ceremony")
        }
        guard a.partyIDs.contains(recipient) else { throw CoordinatorError(.badRequest, "'\(recipient)' is not a party to \(a.id)") }
        guard blob.count <= CeremonyRelayAnswer.maxBytes else {
            throw CoordinatorError(.tooLarge, "a ceremony blob is at most \(CeremonyRelayAnswer.maxBytes) bytes")
        }
        // api.md §5.1: staged, logged, stored.
        try layout.stageCeremony(agreement: a.id, party: recipient, blob: blob)
        FaultPoint.ceremonyBeforeLog.reach()
        try record(LogEvent(time: now(), type: .ceremonyRelayed, agreement: a.id, party: party, recipient: recipient,
                            hash: Hex.encode(SHA256.hash(Array(blob)))))
        FaultPoint.ceremonyBeforeStore.reach()
        try storeWrite { try store.putCeremony(agreement: a.id, party: recipient, blob: blob) }
        FaultPoint.ceremonyAfterStore.reach()
    }

    /// The caller's own ceremony blob (api.md §3.2); 404 until the lead relayed it.
    public func getCeremony(party: String, agreementID: String) throws -> Data {
        let a = try agreement(agreementID)
        guard a.partyIDs.contains(party) else { try forbid(party, agreement: a.id, "'\(party)' is not a party to \(a.id)", path: "ceremony") }
        guard let blob = try store.ceremony(agreement: a.id, party: party) else {
            throw CoordinatorError(.notFound, "no key-ceremony blob for \(party) under \(a.id) yet")
        }
        return blob
    }
}
