import Foundation
import Sodium

/// What a node receives with each accepted submission and each fetched result (Protocols/log.md
/// §4): the latest signed checkpoint and an inclusion proof of the event's leaf under it.
public struct Receipt: Codable, Equatable, Sendable {
    public var checkpoint: String
    public var index: UInt64
    public var leafHash: [UInt8]
    public var proof: [[UInt8]]

    public init(checkpoint: String, index: UInt64, leafHash: [UInt8], proof: [[UInt8]]) {
        self.checkpoint = checkpoint
        self.index = index
        self.leafHash = leafHash
        self.proof = proof
    }

    /// Checks the checkpoint's signature and the inclusion proof; returns the checkpoint.
    public func verify(origin: String, key: Ed25519.PublicKey) throws -> Checkpoint {
        let c = try Checkpoint(verifying: checkpoint, origin: origin, key: key)
        do { try ProofVerifier.verifyInclusion(index: index, size: c.size, leafHash: leafHash, proof: proof, root: c.root) } catch let f as ProofVerifier.Failure {
            throw LogError(.inconsistent, "receipt for entry \(index): \(f.reason)")
        }
        return c
    }
}

/// A node's memory of the log (Protocols/log.md §4): every checkpoint it has been shown. A new
/// checkpoint is accepted only with a consistency proof from the largest one seen, so a
/// coordinator that rewrites history, or shows this node a fork, is caught.
public struct CheckpointBook: Codable, Equatable, Sendable {
    public private(set) var origin: String
    /// Signed notes in the order they were accepted.
    public private(set) var notes: [String] = []
    private var largest: Int? = nil

    public init(origin: String) { self.origin = origin }

    /// The largest checkpoint seen, if any.
    public func latest(key: Ed25519.PublicKey) throws -> Checkpoint? {
        try largest.map { try Checkpoint(verifying: notes[$0], origin: origin, key: key) }
    }

    /// Accepts `note` if it is signed by the log key and consistent with everything seen:
    /// `proof` is the consistency proof between the largest checkpoint seen and `note` (in
    /// either direction: from the smaller to the larger tree).
    public mutating func accept(_ note: String, proof: [[UInt8]], key: Ed25519.PublicKey) throws {
        let new = try Checkpoint(verifying: note, origin: origin, key: key)
        if let old = try latest(key: key) {
            let (a, b) = old.size <= new.size ? (old, new) : (new, old)
            // Every tree extends the empty tree; only a non-empty one needs a proof.
            if a.size > 0 { do { try ProofVerifier.verifyConsistency(size1: a.size, size2: b.size, proof: proof, root1: a.root, root2: b.root) } catch let f as ProofVerifier.Failure {
                throw LogError(.inconsistent, "checkpoint of size \(new.size) is not consistent with the checkpoint of size \(old.size) seen before: \(f.reason); the log's history was rewritten or forked")
            } }
            notes.append(note)
            if new.size > old.size { largest = notes.count - 1 }
        } else {
            notes.append(note)
            largest = 0
        }
    }
}
