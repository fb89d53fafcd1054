import Foundation
import Parties

/// A node's record of the log (`Protocols/log.md` §4), on disk in its state directory:
/// `receipts/<name>.json` and `checkpoints.json` (a ``CheckpointBook``). A receipt is kept only
/// when its checkpoint's signature and inclusion proof verify and the checkpoint is proved
/// consistent with every checkpoint this node saw before; a checkpoint that does not extend
/// them is refused.
public struct NodeLogBook {
    public let directory: String
    public let coordinator: PartyPublicKeys
    public private(set) var book: CheckpointBook

    /// Opens (or starts) the book in `directory`.
    public init(directory: String, coordinator: PartyPublicKeys) throws {
        self.directory = directory
        self.coordinator = coordinator
        do { try FileManager.default.createDirectory(atPath: directory + "/receipts", withIntermediateDirectories: true) } catch {
            throw LogError(.io, "cannot create the node's state directory \(directory)/receipts")
        }
        let path = directory + "/checkpoints.json"
        if let data = FileManager.default.contents(atPath: path) {
            do { book = try JSONDecoder().decode(CheckpointBook.self, from: data) } catch {
                throw LogError(.malformed, "\(path) is not a checkpoint book")
            }
        } else {
            book = CheckpointBook(origin: LogStore.origin(coordinator: coordinator.party))
        }
    }

    /// Verifies a receipt's checkpoint and inclusion proof, proves it consistent with what was
    /// seen before (`consistency(first, second)` fetches the proof from the coordinator) and
    /// stores both. Returns the receipt's checkpoint.
    public mutating func keep(_ receipt: Receipt, name: String, consistency: (UInt64, UInt64) throws -> [[UInt8]]) throws -> Checkpoint {
        let checkpoint = try receipt.verify(origin: book.origin, key: coordinator.signing)
        var proof: [[UInt8]] = []
        if let old = try book.latest(key: coordinator.signing), old.size > 0, old.size != checkpoint.size {
            let (a, b) = old.size < checkpoint.size ? (old.size, checkpoint.size) : (checkpoint.size, old.size)
            proof = try consistency(a, b)
        }
        try book.accept(receipt.checkpoint, proof: proof, key: coordinator.signing)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            try encoder.encode(receipt).write(to: URL(fileURLWithPath: "\(directory)/receipts/\(name).json"))
            try JSONEncoder().encode(book).write(to: URL(fileURLWithPath: directory + "/checkpoints.json"), options: .atomic)
        } catch {
            throw LogError(.io, "cannot write the node's log book in \(directory)")
        }
        return checkpoint
    }
}
