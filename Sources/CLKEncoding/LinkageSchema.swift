import Foundation
import Sodium

/// A clkhash linkage schema, version 3 (Protocols/clk.md §1), restricted to blakeHash.
public struct LinkageSchema: Sendable {
    /// HKDF parameters of `clkConfig.kdf`.
    public struct KDF: Sendable {
        public var hash: HMAC.Hash
        public var salt: [UInt8]
        public var info: [UInt8]
        public var keySize: Int
    }

    public enum StringEncoding: String, Sendable {
        case ascii, utf8 = "utf-8", utf16 = "utf-16", utf32 = "utf-32"
    }

    /// `format`: validates values; only integers and dates are re-printed.
    public enum Format: Sendable {
        case string(encoding: StringEncoding, pattern: NSRegularExpressionBox?, caseRule: String?, minLength: Int?, maxLength: Int?)
        case integer(encoding: StringEncoding, minimum: Int?, maximum: Int?)
        case date(encoding: StringEncoding, format: StrptimeFormat)
        case enumeration(encoding: StringEncoding, values: Set<String>)

        var encoding: StringEncoding {
            switch self {
            case .string(let e, _, _, _, _), .integer(let e, _, _), .date(let e, _), .enumeration(let e, _): e
            }
        }
    }

    public enum Comparison: Sendable, Equatable {
        case ngram(n: Int, positional: Bool)
        case exact
        case numeric(thresholdDistance: Double, resolution: Int, fractionalPrecision: Int)
    }

    public enum Strategy: Sendable, Equatable {
        case bitsPerToken(Int)
        case bitsPerFeature(Int)
    }

    public struct MissingValue: Sendable {
        public var sentinel: String
        public var replaceWith: String
    }

    public struct Feature: Sendable {
        public var identifier: String
        /// Ignored features set no bits but still take two HKDF keys (Protocols/clk.md §2.1).
        public var ignored: Bool
        public var format: Format?
        public var comparison: Comparison
        public var strategy: Strategy
        public var missingValue: MissingValue?
    }

    /// `l`: filter length in bits after folding.
    public var length: Int
    /// Folds read from `xor_folds` (clkhash ignores the documented `xorFolds`).
    public var xorFolds: Int
    public var kdf: KDF
    public var features: [Feature]
    /// Things a schema author should know, e.g. that `xorFolds` has no effect.
    public var warnings: [String]
    /// SHA-256 of the schema document as given: what submissions name.
    public var digest: [UInt8]
    /// Korskoll's hardening (Protocols/clk.md §4); `nil` encodes exactly as clkhash does.
    public var hardening: Hardening? = nil

    /// Bits before folding.
    public var hashLength: Int { length << xorFolds }

    /// Bits of the encoding handed out: `l`, doubled by balancing.
    public var outputLength: Int { hardening?.balancing == true ? 2 * length : length }
}

extension LinkageSchema {
    /// The `korskoll` extension object of a schema (Protocols/clk.md §4). clkhash ignores
    /// unknown top-level keys, so a hardened schema still parses there, but its encodings differ.
    public struct Hardening: Sendable, Equatable {
        /// A feature whose tokens are salted with (a prefix of) another feature's value.
        public struct Salting: Sendable, Equatable {
            /// Index of the salted feature.
            public var feature: Int
            /// Index of the feature whose formatted value is the salt.
            public var source: Int
            /// Use only the first `prefix` characters of the source (e.g. 4: the birth year of a
            /// %Y%m%d date); nil for all of it.
            public var prefix: Int?
        }

        public var salting: [Salting] = []
        /// Append the complement, so every encoding has exactly `l` of its `2l` bits set.
        public var balancing = false
        /// Permute the output bits with a permutation keyed by the secret.
        public var permutation = false
    }
}

/// A compiled regular expression that may be shared between threads (read-only use).
public final class NSRegularExpressionBox: @unchecked Sendable {
    let regex: NSRegularExpression
    let pattern: String
    init(_ pattern: String) throws {
        self.pattern = pattern
        regex = try NSRegularExpression(pattern: pattern)
    }
    func fullMatch(_ s: String) -> Bool {
        let range = NSRange(s.startIndex..., in: s)
        guard let m = regex.firstMatch(in: s, options: [.anchored], range: range) else { return false }
        return m.range == range
    }
}
