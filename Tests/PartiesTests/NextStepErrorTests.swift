import Foundation
import Parties
import Sodium
import Testing

/// Errors that say what to do next (issue 19, item 5).
@Suite struct NextStepErrorTests {
    @Test func aMissingSecretKeyFileSaysHowToMakeOne() throws {
        let dir = NSTemporaryDirectory() + "korskoll-nokey-" + Hex.encode(Random.bytes(6))
        #expect {
            _ = try KeyFiles.loadSecret(URL(fileURLWithPath: dir + "/fk.secret.json"))
        } throws: { e in
            let k = e as? KeyError
            return k?.code == .unreadable && k!.reason.contains("not found: make one with `korskoll keys generate --party fk --out \(dir)`")
        }
    }

    @Test func aMissingPublicKeyFileSaysWhoMakesIt() throws {
        #expect {
            _ = try KeyFiles.loadPublic(URL(fileURLWithPath: "/nonexistent/skv.public.json"))
        } throws: { e in
            (e as? KeyError)?.reason.contains("`korskoll keys generate --party skv --out DIR`") == true
        }
    }

    @Test func aRegistryWithoutThePartySaysHowToAddIt() throws {
        let registry = try Registry()
        #expect {
            _ = try registry.entry("fk")
        } throws: { e in
            let k = e as? KeyError
            return k?.code == .unknownParty && k!.reason.contains("add it with `korskoll keys register --registry REGISTRY --public fk.public.json")
        }
    }
}
