/// What one party puts into a submission, as far as the agreement governs it
/// (Protocols/agreements.md §3): its identifier kinds, whether it sends CLKs, and its attributes
/// with the parties each is sealed to (none: plain text, for the coordinator).
public struct SentShape: Sendable, Equatable {
    public var identifierKinds: Set<String>
    public var clks: Bool
    public var attributes: [(name: String, sealedTo: [String])]

    public init(identifierKinds: Set<String>, clks: Bool, attributes: [(name: String, sealedTo: [String])]) {
        self.identifierKinds = identifierKinds; self.clks = clks; self.attributes = attributes
    }

    public static func == (a: SentShape, b: SentShape) -> Bool {
        a.identifierKinds == b.identifierKinds && a.clks == b.clks
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

    /// The attributes `party` must send, in submission order: plain ones first, then sealed ones,
    /// each by name (Protocols/wire.md §3).
    public func declaredAttributes(of party: String) -> [Attribute] {
        let all = (self.party(party)?.attributes ?? []).sorted { $0.name < $1.name }
        return all.filter(\.coordinatorReadable) + all.filter { !$0.coordinatorReadable }
    }
}
