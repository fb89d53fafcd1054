import Foundation

/// An agreement on disk (`Protocols/agreements.md` §1, §2): `<name>.agreement.json` with its
/// signatures in `<name>.signatures.json` beside it.
public enum AgreementFiles {
    /// `<name>.agreement.json` → `<name>.signatures.json` beside it.
    public static func signaturesPath(for agreementPath: String) -> String {
        let suffix = ".agreement.json"
        let stem = agreementPath.hasSuffix(suffix) ? String(agreementPath.dropLast(suffix.count)) : (agreementPath as NSString).deletingPathExtension
        return stem + ".signatures.json"
    }

    /// Loads an agreement and its signatures file (no signatures when the file is missing).
    public static func load(_ path: String) throws -> (Agreement, AgreementSignatures) {
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw AgreementError(.io, "cannot read the agreement \(path)")
        }
        let agreement = try Agreement(json: bytes, source: path)
        let sigPath = signaturesPath(for: path)
        guard FileManager.default.fileExists(atPath: sigPath) else { return (agreement, AgreementSignatures(agreement: agreement)) }
        guard let data = FileManager.default.contents(atPath: sigPath),
              let signatures = try? JSONDecoder().decode(AgreementSignatures.self, from: data),
              signatures.format == AgreementSignatures.format else {
            throw AgreementError(.malformed, "\(sigPath) is not a \(AgreementSignatures.format) document")
        }
        return (agreement, signatures)
    }
}
