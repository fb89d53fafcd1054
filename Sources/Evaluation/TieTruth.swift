import Foundation
import Tabular

/// A subject row's record id and the register it is truly tied to.
public struct TiePair: Hashable, Sendable, Comparable {
    public let recordID: String
    public let referenceRegister: String
    public init(recordID: String, referenceRegister: String) { self.recordID = recordID; self.referenceRegister = referenceRegister }
    public static func < (a: TiePair, b: TiePair) -> Bool { (a.recordID, a.referenceRegister) < (b.recordID, b.referenceRegister) }
}

/// The truth of one round of `korskoll synth --rounds N` (`Protocols/synth.md` §9.4):
/// `round-K/truth/ties.csv` and `round-K/truth/reentries.csv`.
public struct RoundTies: Sendable {
    /// One line of `ties.csv`.
    public struct Tie: Sendable, Equatable {
        public let agreement: String, register: String, recordID: String, referenceRegister: String, referenceRecordID: String
        /// `direct` or `via-representative`.
        public let kind: String
    }
    /// One line of `reentries.csv`.
    public struct Reentry: Sendable, Equatable {
        public let register: String, recordID: String, barredRegister: String, barredRecordID: String, decision: String, kind: String
    }

    public let round: Int
    public let ties: [Tie]
    public let reentries: [Reentry]

    /// register → the (record id, reference register) pairs tied under `agreement` (every
    /// agreement when nil), of `kind` (both kinds when nil).
    public func pairs(agreement: String? = nil, kind: String? = nil) -> [String: Set<TiePair>] {
        var out: [String: Set<TiePair>] = [:]
        for t in ties where (agreement == nil || t.agreement == agreement) && (kind == nil || t.kind == kind) {
            out[t.register, default: []].insert(TiePair(recordID: t.recordID, referenceRegister: t.referenceRegister))
        }
        return out
    }

    /// Reads one round's `truth/` directory.
    public init(round: Int, truth directory: String) throws {
        self.round = round
        ties = try RoundTies.read(directory + "/ties.csv", header: ["agreement", "register", "recordId", "referenceRegister",
                                                                     "referenceRecordId", "kind"]) {
            guard $0[5] == "direct" || $0[5] == "via-representative" else { return nil }
            return Tie(agreement: $0[0], register: $0[1], recordID: $0[2], referenceRegister: $0[3], referenceRecordID: $0[4], kind: $0[5])
        }
        reentries = try RoundTies.read(directory + "/reentries.csv", header: ["register", "recordId", "barredRegister",
                                                                             "barredRecordId", "decision", "kind"]) {
            Reentry(register: $0[0], recordID: $0[1], barredRegister: $0[2], barredRecordID: $0[3], decision: $0[4], kind: $0[5])
        }
    }

    /// Every round of a `korskoll synth --rounds N` output directory, in order (`round-1`, `round-2`, …).
    public static func readAll(_ directory: String) throws -> [RoundTies] {
        var out: [RoundTies] = []
        var k = 1
        while FileManager.default.fileExists(atPath: "\(directory)/round-\(k)/truth/ties.csv") {
            out.append(try RoundTies(round: k, truth: "\(directory)/round-\(k)/truth"))
            k += 1
        }
        guard !out.isEmpty else { throw TruthError(.missing, "\(directory) holds no round-1/truth/ties.csv") }
        return out
    }

    private static func read<T>(_ path: String, header: [String], _ make: ([String]) -> T?) throws -> [T] {
        guard FileManager.default.fileExists(atPath: path) else { throw TruthError(.missing, "\(path) does not exist") }
        let reader = try CSVReader(path: path)
        guard let first = try reader.next(), first.fields == header else {
            throw TruthError(.header, "\(path): the header is not \(header.joined(separator: ","))")
        }
        var out: [T] = []
        while let r = try reader.next() {
            guard r.fields.count == header.count, let value = make(r.fields) else {
                throw TruthError(.row, "\(path) line \(r.line): expected \(header.count) fields of the truth format")
            }
            out.append(value)
        }
        return out
    }
}

/// Why a truth file could not be read.
public struct TruthError: Error, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable { case missing = "truth.missing", header = "truth.header", row = "truth.row" }
    public let code: Code
    public let reason: String
    public init(_ code: Code, _ reason: String) { self.code = code; self.reason = reason }
    public var description: String { reason }
}
