import Foundation
import Testing
import Sodium
@testable import CLKEncoding

private func schema(features: String, config: String = "\"l\": 1024, \"kdf\": {\"type\": \"HKDF\"}") -> Data {
    Data("{\"version\": 3, \"clkConfig\": {\(config)}, \"features\": [\(features)]}".utf8)
}

private let name = """
{"identifier": "name", "format": {"type": "string"}, "hashing": {"comparison": {"type": "ngram", "n": 2}, "strategy": {"bitsPerToken": 20}}}
"""

@Suite struct SchemaValidation {
    @Test func doubleHashIsRefusedWithTheReasonAndTheAlternative() {
        let f = name.replacingOccurrences(of: "\"strategy\"", with: "\"hash\": {\"type\": \"doubleHash\"}, \"strategy\"")
        let error = #expect(throws: CLKError.self) { try LinkageSchema(json: schema(features: f)) }
        #expect(error?.code == .unsupported)
        #expect(error?.reason.contains("features[0] 'name'") == true)
        #expect(error?.reason.contains("Kroll–Steinmetzer") == true)
        #expect(error?.reason.contains("blakeHash") == true)
    }

    @Test(arguments: [
        (schema(features: name, config: "\"l\": 1000, \"kdf\": {\"type\": \"HKDF\"}"), "power of two"),
        (schema(features: name, config: "\"l\": 1024, \"kdf\": {\"type\": \"HKDF\", \"hash\": \"MD5\"}"), "SHA256 or SHA512"),
        (schema(features: name, config: "\"l\": 1024, \"kdf\": {\"type\": \"HKDF\", \"keySize\": 65}"), "keySize"),
        (schema(features: name, config: "\"l\": 1024, \"kdf\": {\"type\": \"HKDF\", \"salt\": \"***\"}"), "salt is not base64"),
        (schema(features: name.replacingOccurrences(of: "\"ngram\", \"n\": 2", with: "\"soundex\"")), "comparison type 'soundex'"),
        (schema(features: name.replacingOccurrences(of: "bitsPerToken", with: "bits")), "bitsPerToken or bitsPerFeature"),
        (schema(features: name + "," + name), "appears twice"),
        (schema(features: name.replacingOccurrences(of: "\"type\": \"string\"", with: "\"type\": \"date\"")), "needs format"),
        (schema(features: name.replacingOccurrences(of: "\"type\": \"string\"", with: "\"type\": \"date\", \"format\": \"%H:%M\"")), "%H is not supported"),
        (Data("{\"version\": 2}".utf8), "version"),
    ] as [(Data, String)])
    func invalidSchemasNameTheProblem(_ data: Data, _ expected: String) {
        let error = #expect(throws: CLKError.self) { try LinkageSchema(json: data) }
        #expect(error?.reason.contains(expected) == true, "\(error?.reason ?? "")")
    }

    @Test func invalidValuesNameTheFieldAndAreNotEncoded() throws {
        let features = """
        {"identifier": "dob", "format": {"type": "date", "format": "%Y-%m-%d"}, "hashing": {"comparison": {"type": "ngram", "n": 1, "positional": true}, "strategy": {"bitsPerToken": 20}}},
        {"identifier": "age", "format": {"type": "integer", "minimum": 0, "maximum": 130}, "hashing": {"comparison": {"type": "exact"}, "strategy": {"bitsPerToken": 20}}}
        """
        let encoder = try CLKEncoder(schema: LinkageSchema(json: schema(features: features)), secret: SecretBytes(Array("s".utf8)))
        for (record, expected) in [(["1970-02-30", "5"], "field 'dob'"), (["1970-02-03", "x"], "field 'age' is not an integer"),
                                   (["1970-02-03", "131"], "above the maximum"), (["1970-02-03"], "has 1 fields")] {
            guard case .failure(let e) = encoder.encode(record) else { Issue.record("accepted \(record)"); continue }
            #expect(e.reason.contains(expected), "\(e.reason)")
        }
        #expect((try? encoder.encode(["1970-2-3", " +5 "]).get()) == (try? encoder.encode(["1970-02-03", "5"]).get()))
    }
}
