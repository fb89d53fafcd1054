import Foundation
import Testing
import Sodium
@testable import CLKEncoding

private func schema(_ hardening: String?, l: Int = 512) throws -> LinkageSchema {
    let extra = hardening.map { ", \"korskoll\": \($0)" } ?? ""
    return try LinkageSchema(json: Data("""
        {"version": 3, "clkConfig": {"l": \(l), "kdf": {"type": "HKDF"}}, "features": [
         {"identifier": "name", "format": {"type": "string"}, "hashing": {"comparison": {"type": "ngram", "n": 2}, "strategy": {"bitsPerToken": 15}}},
         {"identifier": "dob", "format": {"type": "date", "format": "%Y-%m-%d"}, "hashing": {"comparison": {"type": "ngram", "n": 2, "positional": true}, "strategy": {"bitsPerToken": 10}}}
        ]\(extra)}
        """.utf8))
}

private func bit(_ b: [UInt8], _ i: Int) -> Bool { b[i >> 3] & (0x80 >> UInt8(i & 7)) != 0 }
private func popcount(_ b: [UInt8]) -> Int { b.reduce(0) { $0 + $1.nonzeroBitCount } }
private func dice(_ a: [UInt8], _ b: [UInt8]) -> Double {
    Double(2 * popcount(zip(a, b).map { $0 & $1 })) / Double(popcount(a) + popcount(b))
}

private let names = ["Anna Ek", "Anna Eek", "Åsa Öberg", "Mohammed Al-Hassan", "Li Wei", "Bo", ""]
private let secret = SecretBytes(Array("korskoll hardening test".utf8))

@Suite struct HardeningTests {
    @Test func withoutTheExtensionTheEncodingIsClkhashs() throws {
        let plain = try schema(nil)
        #expect(plain.hardening == nil && plain.outputLength == 512)
        let off = try schema(#"{"version": 1}"#)
        for n in names {
            #expect(try CLKEncoder(schema: plain, secret: secret).encode([n, "1990-01-01"]).get()
                    == CLKEncoder(schema: off, secret: secret).encode([n, "1990-01-01"]).get())
        }
    }

    @Test func balancingSetsExactlyHalfTheBitsAndAppendsTheComplement() throws {
        let plain = try CLKEncoder(schema: schema(nil), secret: secret)
        let balanced = try CLKEncoder(schema: schema(#"{"version": 1, "balancing": true}"#), secret: secret)
        #expect(balanced.encodedByteCount == 128)
        for n in names {
            let a = try plain.encode([n, "1985-06-30"]).get(), b = try balanced.encode([n, "1985-06-30"]).get()
            #expect(popcount(b) == 512)
            for i in 0..<512 { #expect(bit(b, i) == bit(a, i) && bit(b, 512 + i) == !bit(a, i)) }
        }
    }

    @Test func thePermutationMovesBitsAndKeepsEveryDice() throws {
        let unpermuted = try CLKEncoder(schema: schema(#"{"version": 1, "balancing": true}"#), secret: secret)
        let permuted = try CLKEncoder(schema: schema(#"{"version": 1, "balancing": true, "permutation": true}"#), secret: secret)
        let p = try #require(permuted.permutation)
        #expect(Set(p).count == 1024 && p.min() == 0 && p.max() == 1023)
        #expect(p != Array(0..<1024))
        // Same secret, same permutation; another secret, another one.
        #expect(try CLKEncoder(schema: permuted.schema, secret: secret).permutation == p)
        #expect(try CLKEncoder(schema: permuted.schema, secret: SecretBytes(Array("other".utf8))).permutation != p)
        var outputs: [([UInt8], [UInt8])] = []
        for n in names {
            let a = try unpermuted.encode([n, "2001-02-03"]).get(), b = try permuted.encode([n, "2001-02-03"]).get()
            // Naive reference: move each set bit by hand.
            var expected = [UInt8](repeating: 0, count: a.count)
            for i in 0..<1024 where bit(a, i) { expected[p[i] >> 3] |= 0x80 >> UInt8(p[i] & 7) }
            #expect(b == expected)
            outputs.append((a, b))
        }
        for x in outputs { for y in outputs { #expect(dice(x.0, y.0) == dice(x.1, y.1)) } }
    }

    @Test func saltingSeparatesBirthYearsAndKeepsEqualOnesEqual() throws {
        let salted = try schema(#"{"version": 1, "salting": [{"feature": "name", "saltWith": "dob", "prefix": 4}]}"#)
        let encoder = try CLKEncoder(schema: salted, secret: secret)
        let nameOnly = { (dob: String) throws -> [UInt8] in try encoder.encode(["Anna Ek", dob]).get() }
        let sameYear = try dice(nameOnly("1990-01-01"), nameOnly("1990-12-31"))
        let otherYear = try dice(nameOnly("1990-01-01"), nameOnly("1991-01-01"))
        #expect(sameYear > 0.6 && otherYear < sameYear - 0.3, "same year \(sameYear), other year \(otherYear)")
        // A missing salt is the empty salt, still unlike no salting at all.
        let skipEmpty = try CLKEncoder(schema: salted, secret: secret, emptyValuesSetNoBits: true)
        let a = try skipEmpty.encode(["Anna Ek", ""]).get()
        #expect(a != (try CLKEncoder(schema: schema(nil), secret: secret, emptyValuesSetNoBits: true).encode(["Anna Ek", ""]).get()))
    }

    @Test func saltedFastPathEqualsTheReferenceTokenizer() throws {
        let salted = try schema(#"{"version": 1, "salting": [{"feature": "name", "saltWith": "dob"}], "balancing": true, "permutation": true}"#)
        let fast = try CLKEncoder(schema: salted, secret: secret)
        let reference = try CLKEncoder(schema: salted, secret: secret)
        reference.useReferenceTokenizer = true
        for n in names { for d in ["1990-01-01", "2020-02-29"] { #expect(try fast.encode([n, d]).get() == reference.encode([n, d]).get()) } }
    }

    @Test(arguments: [
        (#"{"version": 2}"#, "korskoll.version must be 1"),
        (#"{"version": 1, "balance": true}"#, "korskoll.balance is not a hardening option"),
        (#"{"version": 1, "balancing": 1}"#, "korskoll.balancing must be true or false"),
        (#"{"version": 1, "salting": [{"feature": "name", "saltWith": "name"}]}"#, "cannot be salted with itself"),
        (#"{"version": 1, "salting": [{"feature": "nom", "saltWith": "dob"}]}"#, "names 'nom', which is not a feature"),
        (#"{"version": 1, "salting": [{"feature": "name", "saltWith": "dob", "prefix": 0}]}"#, "prefix must be a positive integer"),
    ])
    func invalidHardeningIsRejectedByName(json: String, message: String) {
        do { _ = try schema(json); Issue.record("accepted \(json)") } catch let e as CLKError {
            #expect(e.code == .invalidSchema)
            #expect(e.reason.contains(message), "\(e.reason)")
        } catch { Issue.record("\(error)") }
    }
}
