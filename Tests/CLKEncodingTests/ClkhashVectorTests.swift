import Foundation
import Testing
import TestSupport
import Sodium
@testable import CLKEncoding

struct ClkhashCase: Decodable, CustomTestStringConvertible, Sendable {
    let description: String
    let secret: String
    let records: [[String]]
    let clks: [String]
    let schemaJSON: Data
    var testDescription: String { "\(description) / \(secret)" }

    enum Keys: String, CodingKey { case description, secret, records, clks, schema }
    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        description = try c.decode(String.self, forKey: .description)
        secret = try c.decode(String.self, forKey: .secret)
        records = try c.decode([[String]].self, forKey: .records)
        clks = try c.decode([String].self, forKey: .clks)
        schemaJSON = try JSONEncoder().encode(c.decode(JSONValue.self, forKey: .schema))
    }
}

/// Any JSON, to carry the schema through unchanged.
indirect enum JSONValue: Codable, Sendable {
    case null, bool(Bool), int(Int), double(Double), string(String), array([JSONValue]), object([String: JSONValue])
    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }
    func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .int(let i): try c.encode(i)
        case .double(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }
}

private struct VectorFile: Decodable {
    let cases: [ClkhashCase]
    let tokens: [String: [String]]
}

private let vectors = try! Vectors.load(VectorFile.self, "clk/clkhash-vectors.json")

@Suite struct ClkhashCompatibility {
    @Test(arguments: vectors.cases)
    func encodingIsBitIdenticalToClkhash(_ c: ClkhashCase) throws {
        let schema = try LinkageSchema(json: c.schemaJSON)
        let encoder = try CLKEncoder(schema: schema, secret: SecretBytes(Array(c.secret.utf8)))
        let workspace = encoder.makeWorkspace()
        for (i, record) in c.records.enumerated() {
            let clk = try encoder.encode(record, workspace: workspace).get()
            #expect(Data(clk).base64EncodedString() == c.clks[i], "record \(i): \(record)")
        }
        // The parallel batch path gives the same answers in the same order.
        let batch = encoder.encodeAll(c.records, threads: 2).map { try? $0.get() }
        #expect(batch.map { $0.map { Data($0).base64EncodedString() } } == c.clks)
    }

    @Test func documentedXorFoldsKeyIsIgnoredWithAWarning() throws {
        let c = try #require(vectors.cases.first { $0.description.contains("xorFolds") })
        let schema = try LinkageSchema(json: c.schemaJSON)
        #expect(schema.xorFolds == 0)
        #expect(schema.warnings.contains { $0.contains("xorFolds") })
    }

    @Test func tokensMatchClkhash() throws {
        func tokens(_ comparison: LinkageSchema.Comparison, _ v: String) throws -> [String] { try comparison.tokens(v).get() }
        #expect(try tokens(.ngram(n: 2, positional: false), "Zoë") == vectors.tokens["ngram2 Zoë"])
        #expect(try tokens(.ngram(n: 1, positional: true), "19700131") == vectors.tokens["ngram1 positional 19700131"])
        #expect(try tokens(.ngram(n: 2, positional: true), "ab") == vectors.tokens["ngram2 positional ab"])
        #expect(try tokens(.numeric(thresholdDistance: 3, resolution: 2, fractionalPrecision: 0), "53") == vectors.tokens["numeric 53 t=3 r=2"])
        #expect(try tokens(.numeric(thresholdDistance: 2.5, resolution: 3, fractionalPrecision: 1), "-3.75") == vectors.tokens["numeric -3.75 t=2.5 r=3 p=1"])
        let counts = LinkageSchema.Strategy.bitsPerFeature(100).counts(tokens: 6)
        #expect((0..<6).map(counts) == [17, 17, 17, 17, 16, 16])
    }
}
