import Foundation
import Sodium

/// A file sealed to one X25519 key, of any length, in bounded memory (Protocols/wire.md §2):
///
///     sealed    = magic(8) sealedKey(32 + 48) streamHeader(24) 1*chunk
///     chunk     = length(u32, ≤ 65,536 + 17) ciphertext(length)
///
/// A fresh 32-byte stream key is sealed with `crypto_box_seal` to the recipient; the plaintext is
/// cut into chunks of 65,536 bytes (the last may be shorter, even empty) encrypted with
/// `crypto_secretstream_xchacha20poly1305`, the last tagged FINAL and authenticated with the
/// magic as additional data. Nothing may follow the FINAL chunk. Only the recipient can open
/// it; a cut, reordered or altered chunk fails. Authenticity of the sender is not part of the
/// seal: the plaintext carries an Ed25519 signature.
public enum SealedStream {
    public static let chunkSize = 65_536
    public static let sealedKeyLength = SecretStream.keyLength + SealedBox.overhead

    /// Writes a sealed stream to `path` (created; an existing file is an error).
    public final class Writer {
        private let handle: FileHandle
        private let push: SecretStream.Push
        private let magic: [UInt8]
        private var pending: [UInt8] = []
        private var finished = false

        public init(path: String, recipient: X25519.PublicKey, magic: [UInt8]) throws {
            precondition(magic.count == 8)
            guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
                  let handle = FileHandle(forWritingAtPath: path) else {
                throw WireError(.io, "cannot create \(path)")
            }
            let key = SecretBytes.random(count: SecretStream.keyLength)
            self.handle = handle
            self.magic = magic
            self.push = try SecretStream.Push(key: key)
            let sealedKey = key.withUnsafeBytes { SealedBox.seal(Array($0), to: recipient) }
            try write(magic + sealedKey + push.header)
        }

        private func write(_ bytes: [UInt8]) throws {
            do { try handle.write(contentsOf: bytes) } catch { throw WireError(.io, "cannot write: \(error.localizedDescription)") }
        }

        private func emit(_ plain: ArraySlice<UInt8>, final: Bool) throws {
            let sealed = try plain.withUnsafeBytes { try push.push($0, additional: magic, final: final) }
            var w = ByteWriter()
            w.u32(UInt32(sealed.count))
            w.raw(sealed)
            try write(w.bytes)
        }

        /// Appends plaintext; full chunks are encrypted and written as they fill.
        public func append(_ bytes: [UInt8]) throws {
            precondition(!finished)
            pending.append(contentsOf: bytes)
            var start = 0
            while pending.count - start > SealedStream.chunkSize {
                try emit(pending[start..<(start + SealedStream.chunkSize)], final: false)
                start += SealedStream.chunkSize
            }
            if start > 0 { pending.removeFirst(start) }
        }

        /// Writes the FINAL chunk and closes the file.
        public func finish() throws {
            precondition(!finished)
            finished = true
            try emit(pending[...], final: true)
            pending = []
            do { try handle.synchronize(); try handle.close() } catch { throw WireError(.io, "cannot close: \(error.localizedDescription)") }
        }
    }

    /// Opens a sealed stream and hands out its plaintext in order.
    public final class Reader {
        private let handle: FileHandle
        private let pull: SecretStream.Pull
        private let magic: [UInt8]
        private let path: String
        private var plain: [UInt8] = []
        private var position = 0
        /// Bytes of plaintext handed out so far.
        public private(set) var consumed = 0

        public init(path: String, key: X25519.PrivateKey, magic: [UInt8]) throws {
            guard let handle = FileHandle(forReadingAtPath: path) else { throw WireError(.io, "cannot open \(path)") }
            self.handle = handle
            self.magic = magic
            self.path = path
            let head = (try? handle.read(upToCount: 8 + SealedStream.sealedKeyLength + SecretStream.headerLength)).map { Array($0 ?? Data()) } ?? []
            guard head.count == 8 + SealedStream.sealedKeyLength + SecretStream.headerLength else {
                throw WireError(.malformed, "\(path): shorter than a sealed stream's header")
            }
            guard Array(head[0..<8]) == magic else {
                throw WireError(.malformed, "\(path): wrong magic (not a \(String(decoding: magic.prefix(6), as: UTF8.self)) file)")
            }
            let sealedKey = Array(head[8..<(8 + SealedStream.sealedKeyLength)])
            let streamKey: SecretBytes
            do {
                var opened = try SealedBox.open(sealedKey, with: key)
                streamKey = SecretBytes(opened)
                for i in opened.indices { opened[i] = 0 }
            } catch { throw WireError(.sealBroken, "\(path): the stream key does not open with this key (sealed to someone else, or altered)") }
            do { pull = try SecretStream.Pull(key: streamKey, header: Array(head[(8 + SealedStream.sealedKeyLength)...])) } catch {
                throw WireError(.sealBroken, "\(path): the stream header is invalid")
            }
        }

        deinit { try? handle.close() }

        private func readFile(_ n: Int) throws -> [UInt8] {
            let data = (try? handle.read(upToCount: n)) ?? nil
            return data.map { Array($0) } ?? []
        }

        /// Decrypts the next chunk; false at the end of the stream.
        private func nextChunk() throws -> Bool {
            if pull.finished {
                guard try readFile(1).isEmpty else { throw WireError(.malformed, "\(path): bytes follow the final chunk") }
                return false
            }
            let prefix = try readFile(4)
            guard prefix.count == 4 else { throw WireError(.sealBroken, "\(path): the stream ends without its final chunk (cut off)") }
            let length = Int(prefix.reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
            guard length >= SecretStream.overhead, length <= SealedStream.chunkSize + SecretStream.overhead else {
                throw WireError(.malformed, "\(path): a chunk claims \(length) bytes; chunks hold \(SecretStream.overhead) to \(SealedStream.chunkSize + SecretStream.overhead)")
            }
            let sealed = try readFile(length)
            guard sealed.count == length else { throw WireError(.sealBroken, "\(path): the last chunk is cut off") }
            let opened: [UInt8]
            do { opened = try pull.pull(sealed, additional: magic) } catch {
                throw WireError(.sealBroken, "\(path): chunk at plaintext offset \(consumed + plain.count - position) does not authenticate (altered, reordered or cut)")
            }
            if position > 0 { plain.removeFirst(position); position = 0 }
            plain.append(contentsOf: opened)
            return true
        }

        /// Exactly `n` plaintext bytes; an error if the stream ends first.
        public func read(_ n: Int, _ field: @autoclosure () -> String) throws -> [UInt8] {
            while plain.count - position < n {
                guard try nextChunk() else {
                    throw WireError(.contentMismatch, "\(path): the plaintext ends inside \(field())")
                }
            }
            defer { position += n; consumed += n }
            return Array(plain[position..<(position + n)])
        }

        /// True when every plaintext byte has been read and the FINAL chunk was the last thing in
        /// the file.
        public func atEnd() throws -> Bool {
            while plain.count == position {
                guard try nextChunk() else { return true }
            }
            return false
        }
    }
}
