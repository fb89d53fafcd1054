import API
import Foundation
import Parties

/// A node's signed HTTP calls to one key holder (Protocols/keyholder.md §5), with the same
/// request signatures as to the coordinator (api.md §2). Refusals come back as
/// ``CoordinatorClient/Failure`` with the key holder's status, code and reason.
public final class KeyHolderClient: Sendable {
    /// The key holder's party id, as the dealt public file names it.
    public let holder: String
    private let client: CoordinatorClient

    /// A client for key holder `holder` at `url` (`http://HOST:PORT`), signing as `keys`.
    public init(holder: String, url: String, keys: PartyKeys) {
        self.holder = holder
        client = CoordinatorClient(url: url, keys: keys)
    }

    /// The base URL.
    public var url: String { client.base }

    /// Asks for a batch of blinded elements (32 bytes each, concatenated) to be evaluated under
    /// the key holder's share of `agreement`.
    public func evaluate(agreement: String, elements: [UInt8]) throws -> EvaluateAnswer {
        try client.call("POST", KeyHolderPath.evaluate(agreement: agreement),
                        body: APIJSON.encode(EvaluateRequest(elements: Data(elements))))
    }

    /// The latest signed checkpoint note of the key holder's log.
    public func checkpoint() throws -> String {
        String(decoding: try client.send("GET", KeyHolderPath.checkpoint), as: UTF8.self)
    }
}
