import Foundation
import Sodium

extension LinkageSchema {
    /// Parses and validates a v3 schema document. Errors name the feature and the key at fault.
    ///
    /// Grammar (Protocols/clk.md §1): `{version: 3, clkConfig: {l, kdf: {type: "HKDF", hash?,
    /// salt?, info?, keySize?}, xor_folds?}, features: [{identifier, ignored: true} |
    /// {identifier, format, hashing: {comparison, strategy, hash?, missingValue?}}]}`.
    public init(json data: Data) throws {
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw CLKError(.invalidSchema, "the schema is not a JSON object")
        }
        var warnings: [String] = []
        let version = root["version"] as? Int
        guard version == 3 else {
            throw CLKError(.invalidSchema, "version is \(root["version"].map { "\($0)" } ?? "missing"); only linkage schema version 3 is supported")
        }
        guard let config = root["clkConfig"] as? [String: Any] else {
            throw CLKError(.invalidSchema, "clkConfig is missing or not an object")
        }
        guard let l = Self.int(config["l"]), l > 0 else {
            throw CLKError(.invalidSchema, "clkConfig.l must be a positive integer (the filter length in bits)")
        }
        var folds = 0
        if let f = config["xor_folds"] {
            guard let v = Self.int(f), v >= 0, v < 16 else { throw CLKError(.invalidSchema, "clkConfig.xor_folds must be an integer from 0 to 15") }
            folds = v
        }
        if config["xorFolds"] != nil {
            // clkhash 0.18.3 reads only `xor_folds`; bit-identical output means doing the same.
            warnings.append("clkConfig.xorFolds has no effect (clkhash reads only 'xor_folds'); the filter is encoded without that folding")
        }
        guard let kdf = config["kdf"] as? [String: Any] else { throw CLKError(.invalidSchema, "clkConfig.kdf is missing or not an object") }
        guard (kdf["type"] as? String) == "HKDF" else { throw CLKError(.invalidSchema, "clkConfig.kdf.type must be \"HKDF\"") }
        let hash: HMAC.Hash
        switch kdf["hash"] as? String ?? "SHA256" {
        case "SHA256": hash = .sha256
        case "SHA512": hash = .sha512
        case let other: throw CLKError(.invalidSchema, "clkConfig.kdf.hash is '\(other)'; it must be SHA256 or SHA512")
        }
        func base64(_ key: String) throws -> [UInt8] {
            guard let v = kdf[key] else { return [] }
            guard let s = v as? String, let d = Data(base64Encoded: s) else {
                throw CLKError(.invalidSchema, "clkConfig.kdf.\(key) is not base64")
            }
            return Array(d)
        }
        let keySize = Self.int(kdf["keySize"]) ?? 64
        guard (1...BLAKE2b.maxKeyLength).contains(keySize) else {
            throw CLKError(.invalidSchema, "clkConfig.kdf.keySize is \(keySize); BLAKE2b keys are 1 to 64 bytes")
        }
        guard let rawFeatures = root["features"] as? [[String: Any]], !rawFeatures.isEmpty else {
            throw CLKError(.invalidSchema, "features must be a non-empty array of objects")
        }
        var features: [Feature] = []
        var seen = Set<String>()
        for (i, raw) in rawFeatures.enumerated() {
            let feature = try Self.feature(raw, index: i)
            guard seen.insert(feature.identifier).inserted else {
                throw CLKError(.invalidSchema, "features[\(i)]: identifier '\(feature.identifier)' appears twice")
            }
            features.append(feature)
        }
        let kdfValue = KDF(hash: hash, salt: try base64("salt"), info: try base64("info"), keySize: keySize)
        guard features.count * 2 * keySize <= 255 * hash.byteCount else {
            throw CLKError(.invalidSchema, "\(features.count) features × 2 keys × \(keySize) bytes exceed what HKDF-\(hash.rawValue) can derive (\(255 * hash.byteCount) bytes)")
        }
        // l × 2^xor_folds must fit: a shift into the sign bit would trap the power-of-two test below.
        guard l.leadingZeroBitCount > folds else {
            throw CLKError(.invalidSchema, "clkConfig.l × 2^xor_folds is larger than \(Int.max)")
        }
        let hashLength = l << folds
        guard hashLength & (hashLength - 1) == 0 else {
            throw CLKError(.invalidSchema, "clkConfig.l × 2^xor_folds is \(hashLength); blakeHash needs a power of two")
        }
        self.init(length: l, xorFolds: folds, kdf: kdfValue, features: features, warnings: warnings,
                  digest: SHA256.hash(Array(data)))
        if let raw = root["korskoll"] {
            hardening = try Self.hardening(raw, features: features)
        }
    }

    /// Grammar (Protocols/clk.md §4): `korskoll: {version: 1, salting?: [{feature, saltWith,
    /// prefix?}], balancing?: bool, permutation?: bool}`.
    static func hardening(_ raw: Any, features: [Feature]) throws -> Hardening {
        guard let object = raw as? [String: Any] else { throw CLKError(.invalidSchema, "korskoll must be an object") }
        guard int(object["version"]) == 1 else { throw CLKError(.invalidSchema, "korskoll.version must be 1") }
        for key in object.keys where !["version", "salting", "balancing", "permutation"].contains(key) {
            throw CLKError(.invalidSchema, "korskoll.\(key) is not a hardening option (salting, balancing, permutation)")
        }
        func flag(_ key: String) throws -> Bool {
            guard let v = object[key] else { return false }
            guard let n = v as? NSNumber, ObjectIdentifier(type(of: n)) != ObjectIdentifier(NSNumber.self), let b = v as? Bool else {
                throw CLKError(.invalidSchema, "korskoll.\(key) must be true or false")
            }
            return b
        }
        var h = Hardening(balancing: try flag("balancing"), permutation: try flag("permutation"))
        if let s = object["salting"] {
            guard let list = s as? [[String: Any]] else { throw CLKError(.invalidSchema, "korskoll.salting must be an array of objects") }
            func index(_ id: Any?, _ here: String, _ key: String) throws -> Int {
                guard let name = id as? String else { throw CLKError(.invalidSchema, "\(here).\(key) must be a feature identifier") }
                guard let i = features.firstIndex(where: { $0.identifier == name }) else {
                    throw CLKError(.invalidSchema, "\(here).\(key) names '\(name)', which is not a feature of this schema")
                }
                guard !features[i].ignored else { throw CLKError(.invalidSchema, "\(here).\(key) names '\(name)', which is ignored") }
                return i
            }
            for (k, entry) in list.enumerated() {
                let here = "korskoll.salting[\(k)]"
                let feature = try index(entry["feature"], here, "feature")
                let source = try index(entry["saltWith"], here, "saltWith")
                guard feature != source else { throw CLKError(.invalidSchema, "\(here): a feature cannot be salted with itself") }
                guard !h.salting.contains(where: { $0.feature == feature }) else {
                    throw CLKError(.invalidSchema, "\(here): '\(features[feature].identifier)' is salted twice")
                }
                var prefix: Int?
                if let p = entry["prefix"] {
                    guard let v = int(p), v >= 1 else { throw CLKError(.invalidSchema, "\(here).prefix must be a positive integer") }
                    prefix = v
                }
                h.salting.append(.init(feature: feature, source: source, prefix: prefix))
            }
        }
        return h
    }

    static func int(_ value: Any?) -> Int? {
        // JSON true/false arrive as an NSNumber subclass (and `is Bool` holds for 0 and 1 too), so
        // only NSNumber itself counts as a number.
        if let n = value as? NSNumber, ObjectIdentifier(type(of: n)) == ObjectIdentifier(NSNumber.self) {
            let d = n.doubleValue
            return d == d.rounded() && abs(d) < 1e15 ? Int(d) : nil
        }
        return nil
    }

    private static func feature(_ raw: [String: Any], index i: Int) throws -> Feature {
        guard let id = raw["identifier"] as? String else {
            throw CLKError(.invalidSchema, "features[\(i)] has no identifier")
        }
        let here = "features[\(i)] '\(id)'"
        if (raw["ignored"] as? Bool) == true {
            return Feature(identifier: id, ignored: true, format: nil, comparison: .exact, strategy: .bitsPerToken(0), missingValue: nil)
        }
        guard let hashing = raw["hashing"] as? [String: Any] else { throw CLKError(.invalidSchema, "\(here): hashing is missing") }
        guard let format = raw["format"] as? [String: Any] else { throw CLKError(.invalidSchema, "\(here): format is missing") }
        if let h = hashing["hash"] as? [String: Any], let type = h["type"] as? String, type != "blakeHash" {
            if type == "doubleHash" {
                throw CLKError(.unsupported, "\(here): doubleHash is refused: it needs HMAC-SHA1 and HMAC-MD5, and its bit patterns are broken by the Kroll–Steinmetzer attack; use {\"type\": \"blakeHash\"}")
            }
            throw CLKError(.invalidSchema, "\(here): hashing.hash.type '\(type)' is unknown; use blakeHash")
        }
        guard let comparison = hashing["comparison"] as? [String: Any], let ctype = comparison["type"] as? String else {
            throw CLKError(.invalidSchema, "\(here): hashing.comparison.type is missing")
        }
        let cmp: Comparison
        switch ctype {
        case "ngram":
            guard let n = int(comparison["n"]), n >= 0 else { throw CLKError(.invalidSchema, "\(here): ngram comparison needs n ≥ 0") }
            cmp = .ngram(n: n, positional: comparison["positional"] as? Bool ?? false)
        case "exact":
            cmp = .exact
        case "numeric":
            guard let t = (comparison["thresholdDistance"] as? NSNumber)?.doubleValue, t > 0 else {
                throw CLKError(.invalidSchema, "\(here): numeric comparison needs thresholdDistance > 0")
            }
            guard let r = int(comparison["resolution"]), r >= 1 else {
                throw CLKError(.invalidSchema, "\(here): numeric comparison needs resolution ≥ 1")
            }
            let p = int(comparison["fractional_precision"]) ?? 0
            guard p >= 0, p <= 15 else { throw CLKError(.invalidSchema, "\(here): fractional_precision must be 0 to 15") }
            guard (t * pow(10, Double(p))).rounded(.toNearestOrEven) != 0 else {
                throw CLKError(.invalidSchema, "\(here): not enough fractional_precision to encode thresholdDistance")
            }
            cmp = .numeric(thresholdDistance: t, resolution: r, fractionalPrecision: p)
        default:
            throw CLKError(.invalidSchema, "\(here): comparison type '\(ctype)' is unknown (ngram, exact, numeric)")
        }
        guard let strategyRaw = hashing["strategy"] as? [String: Any] else {
            throw CLKError(.invalidSchema, "\(here): hashing.strategy is missing")
        }
        let strategy: Strategy
        if let k = int(strategyRaw["bitsPerToken"]) {
            guard k >= 0 else { throw CLKError(.invalidSchema, "\(here): bitsPerToken must be ≥ 0") }
            strategy = .bitsPerToken(k)
        } else if let k = int(strategyRaw["bitsPerFeature"]) {
            guard k >= 0 else { throw CLKError(.invalidSchema, "\(here): bitsPerFeature must be ≥ 0") }
            strategy = .bitsPerFeature(k)
        } else {
            throw CLKError(.invalidSchema, "\(here): hashing.strategy needs bitsPerToken or bitsPerFeature")
        }
        var missing: MissingValue?
        if let m = hashing["missingValue"] as? [String: Any] {
            guard let sentinel = m["sentinel"] as? String else { throw CLKError(.invalidSchema, "\(here): missingValue.sentinel must be a string") }
            missing = MissingValue(sentinel: sentinel, replaceWith: m["replaceWith"] as? String ?? sentinel)
        }
        return Feature(identifier: id, ignored: false, format: try parseFormat(format, here: here),
                       comparison: cmp, strategy: strategy, missingValue: missing)
    }

    private static func parseFormat(_ f: [String: Any], here: String) throws -> Format {
        guard let type = f["type"] as? String else { throw CLKError(.invalidSchema, "\(here): format.type is missing") }
        let encodingName = f["encoding"] as? String ?? "utf-8"
        guard let encoding = StringEncoding(rawValue: encodingName) else {
            throw CLKError(.invalidSchema, "\(here): format.encoding '\(encodingName)' is not ascii, utf-8, utf-16 or utf-32")
        }
        switch type {
        case "string":
            var regex: NSRegularExpressionBox?
            if let p = f["pattern"] as? String {
                do { regex = try NSRegularExpressionBox(p) } catch {
                    throw CLKError(.invalidSchema, "\(here): format.pattern '\(p)' is not a valid regular expression")
                }
            }
            let caseRule = f["case"] as? String
            if let c = caseRule, !["upper", "lower", "mixed"].contains(c) {
                throw CLKError(.invalidSchema, "\(here): format.case '\(c)' is not upper, lower or mixed")
            }
            return .string(encoding: encoding, pattern: regex, caseRule: caseRule, minLength: int(f["minLength"]), maxLength: int(f["maxLength"]))
        case "integer":
            return .integer(encoding: encoding, minimum: int(f["minimum"]), maximum: int(f["maximum"]))
        case "date":
            guard let fmt = f["format"] as? String else { throw CLKError(.invalidSchema, "\(here): a date format needs format (a strptime pattern)") }
            return .date(encoding: encoding, format: try StrptimeFormat(fmt, here: here))
        case "enum":
            guard let values = f["values"] as? [String] else { throw CLKError(.invalidSchema, "\(here): an enum format needs values (strings)") }
            return .enumeration(encoding: encoding, values: Set(values))
        default:
            throw CLKError(.invalidSchema, "\(here): format type '\(type)' is unknown (string, integer, date, enum)")
        }
    }
}
