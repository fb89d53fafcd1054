import Foundation
import Testing
import Sodium
@testable import Wire

/// A scratch directory removed when the test ends.
final class Scratch {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "korskoll-wire-" + Hex.encode(Random.bytes(8))
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func file(_ name: String) -> String { path + "/" + name }
}

private let magic = Array("KKTEST\u{0}\u{1}".utf8)

private func seal(_ plain: [UInt8], to key: X25519.PrivateKey, at path: String, pieces: Int = 3) throws {
    let w = try SealedStream.Writer(path: path, recipient: key.publicKey, magic: magic)
    var start = 0
    for p in 1...pieces {
        let end = plain.count * p / pieces
        try w.append(Array(plain[start..<end]))
        start = end
    }
    try w.finish()
}

private func openAll(_ path: String, key: X25519.PrivateKey) throws -> [UInt8] {
    let r = try SealedStream.Reader(path: path, key: key, magic: magic)
    var out: [UInt8] = []
    while try !r.atEnd() { out += try r.read(1, "byte") }
    return out
}

@Suite struct SealedStreamTests {
    @Test func roundTripsAcrossChunkBoundaries() throws {
        let dir = Scratch()
        let key = X25519.PrivateKey.generate()
        for size in [0, 1, 65_535, 65_536, 65_537, 200_000] {
            let plain = Random.bytes(size)
            try seal(plain, to: key, at: dir.file("s\(size)"))
            let r = try SealedStream.Reader(path: dir.file("s\(size)"), key: key, magic: magic)
            #expect(try r.read(size, "all") == plain)
            #expect(try r.atEnd())
        }
    }

    @Test func onlyTheRecipientCanOpen() throws {
        let dir = Scratch()
        let key = X25519.PrivateKey.generate()
        try seal(Random.bytes(100), to: key, at: dir.file("s"))
        #expect(throws: WireError.self) { try openAll(dir.file("s"), key: X25519.PrivateKey.generate()) }
        do { _ = try openAll(dir.file("s"), key: X25519.PrivateKey.generate()) } catch let e as WireError { #expect(e.code == .sealBroken) }
    }

    @Test func everyFlippedByteIsDetected() throws {
        let dir = Scratch()
        let key = X25519.PrivateKey.generate()
        let plain = Random.bytes(70_000)
        try seal(plain, to: key, at: dir.file("s"))
        let original = try Data(contentsOf: URL(fileURLWithPath: dir.file("s")))
        // Every byte of the framing and a sample of the ciphertext.
        let positions = Array(0..<200) + stride(from: 200, to: original.count, by: 997).map { $0 } + [original.count - 1]
        for position in positions {
            var bytes = original
            bytes[position] ^= 0x40
            try bytes.write(to: URL(fileURLWithPath: dir.file("t")))
            let opened = try? openAll(dir.file("t"), key: key)
            #expect(opened == nil, "flip at \(position) went unnoticed")
        }
    }

    @Test func truncationAndTrailingBytesAreDetected() throws {
        let dir = Scratch()
        let key = X25519.PrivateKey.generate()
        try seal(Random.bytes(140_000), to: key, at: dir.file("s"))
        let original = try Data(contentsOf: URL(fileURLWithPath: dir.file("s")))
        for cut in [original.count - 1, original.count - 17, 65_536 + 4 + 17 + 112, 200, 10] {
            try original.prefix(cut).write(to: URL(fileURLWithPath: dir.file("t")))
            #expect((try? openAll(dir.file("t"), key: key)) == nil, "cut at \(cut) went unnoticed")
        }
        try (original + Data([0])).write(to: URL(fileURLWithPath: dir.file("t")))
        #expect((try? openAll(dir.file("t"), key: key)) == nil)
    }
}
