/// What one party puts into a submission, as far as the agreement governs it
/// (Protocols/agreements.md §3): its identifier kinds, whether it sends CLKs, and its attributes
/// with the parties each is sealed to (none: plain text, for the coordinator).
public struct SentShape: Sendable, Equatable {
    public var identifierKinds: Set<String>
    public var clks: Bool
    public var attributes: [(name: String, sealedTo: [String])]
    /// Whether rows carry a previous person pseudonym (an identity change, Protocols/wire.md §3.3).
    public var previousPerson: Bool

    public init(identifierKinds: Set<String>, clks: Bool, attributes: [(name: String, sealedTo: [String])], previousPerson: Bool = false) {
        self.identifierKinds = identifierKinds; self.clks = clks; self.attributes = attributes; self.previousPerson = previousPerson
    }

    public static func == (a: SentShape, b: SentShape) -> Bool {
        a.identifierKinds == b.identifierKinds && a.clks == b.clks && a.previousPerson == b.previousPerson
            && a.attributes.map(\.name) == b.attributes.map(\.name) && a.attributes.map(\.sealedTo) == b.attributes.map(\.sealedTo)
    }
}

extension Agreement {
    /// Protocols/agreements.md §3: throws ``AgreementError/Code/undeclared`` naming the first
    /// identifier kind, CLK or attribute that `party`'s entry does not declare, or an attribute
    /// sent to other readers than declared. The node checks its mapping with this before
    /// encoding; the coordinator checks every header with it on receipt.
    public func checkDeclared(party id: String, sends shape: SentShape) throws {
        guard let p = party(id) else { throw AgreementError(.undeclared, "'\(id)' is not a party to \(self.id)") }
        for kind in shape.identifierKinds.sorted() where !p.identifiers.contains(kind) {
            throw AgreementError(.undeclared, "\(id) sends \(kind) identifiers, which agreement \(self.id) does not declare for it (it declares \(p.identifiers.isEmpty ? "none" : p.identifiers.joined(separator: ", ")))")
        }
        // Protocols/standing.md §1: identity changes come only from a party in the relations role.
        if shape.previousPerson && !holdsRelations(id) {
            throw AgreementError(.undeclared, "\(id) sends previous person numbers (identity changes), which only a party with the relations role may send in agreement \(self.id)")
        }
        if shape.previousPerson && !p.identifiers.contains("person") {
            throw AgreementError(.undeclared, "\(id) sends previous person numbers, but agreement \(self.id) declares no person identifiers for it")
        }
        if shape.clks && !p.fuzzy {
            throw AgreementError(.undeclared, "\(id) sends CLKs, which agreement \(self.id) does not declare for it (fuzzy is false)")
        }
        for (name, sealedTo) in shape.attributes {
            guard let a = p.attribute(name) else {
                let declared = (p.attributes ?? []).map(\.name)
                throw AgreementError(.undeclared, "\(id) sends attribute '\(name)', which agreement \(self.id) does not declare for it (it declares \(declared.isEmpty ? "none" : declared.joined(separator: ", ")))")
            }
            guard sealedTo == a.sealedTo else {
                let how = sealedTo.isEmpty ? "in plain text" : "sealed to \(sealedTo.joined(separator: ", "))"
                throw AgreementError(.undeclared, "\(id) sends attribute '\(name)' \(how); agreement \(self.id) declares it readable by \(a.readers.joined(separator: ", ")) only")
            }
        }
    }

    /// Whether party `id` holds the relations role: in a standing agreement among its `roles`,
    /// in a v2 agreement as its `role` (Protocols/standing.md §1).
    public func holdsRelations(_ id: String) -> Bool {
        isStanding ? roles(of: id).contains(.relations) : party(id)?.role == Role.relations.rawValue
    }

    /// The attributes `party` must send, in submission order: plain ones first, then sealed ones,
    /// each by name (Protocols/wire.md §3).
    public func declaredAttributes(of party: String) -> [Attribute] {
        let all = (self.party(party)?.attributes ?? []).sorted { $0.name < $1.name }
        return all.filter(\.coordinatorReadable) + all.filter { !$0.coordinatorReadable }
    }
}
