import Foundation

/// Every file of a key holder's data directory (Protocols/keyholder.md §1):
///
///     DIR/shares/<agreement>.oprf-dealt.json            the dealt public file (copied in by the operator)
///     DIR/shares/<agreement>.<holder>.oprf-share.json    this holder's sealed share
///     DIR/shares/<agreement>.agreement.json              the agreement, signatures beside it (optional: its caps)
///     DIR/log/                                           the signed, append-only log (log.md §2)
///     DIR/port                                           the port bound
public struct KeyHolderLayout: Sendable {
    /// The data directory.
    public let root: String
    /// A layout rooted at `root`.
    public init(root: String) { self.root = root }

    /// Where the operator puts dealt files.
    public var shares: String { root + "/shares" }
    /// The agreement's document beside its dealt key; when present its caps are in force.
    public func agreementFile(_ agreement: String) -> String { shares + "/\(agreement).agreement.json" }
    /// The protocol log's directory (what `korskoll log export --data DIR` reads).
    public var logDirectory: String { root + "/log" }
    /// The port file.
    public var portFile: String { root + "/port" }

    /// Creates the directories (mode 0700).
    func prepare() throws {
        for dir in [root, shares, logDirectory] {
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch { throw KeyHolderError(.internal, "cannot create \(dir): \(error)") }
        }
    }

    /// The agreements with a dealt public file and a share for `holder`, sorted.
    func agreementsWithShares(holder: String) throws -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: shares)) ?? []
        let suffix = ".\(holder).oprf-share.json"
        return names.filter { $0.hasSuffix(suffix) }.map { String($0.dropLast(suffix.count)) }.sorted()
    }
}
