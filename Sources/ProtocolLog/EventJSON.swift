/// The event JSON of Protocols/log.md §1, written and read without Foundation's coders (which
/// cost more than everything else in appending and verifying a large log).
///
/// Written form: one object, keys in ascending byte order, no whitespace; strings escape `"`,
/// `\` and control characters (`\n`, `\r`, `\t`, else `\u00XX`); integers in decimal. The
/// reader accepts any RFC 8259 JSON of the event's shape (whitespace, any escapes, any key
/// order), so the leaf bytes, not a re-encoding, are what count.
enum EventJSON {
    // MARK: writing

    static func string(_ s: String, into out: inout [UInt8]) {
        out.append(0x22)
        for b in s.utf8 {
            switch b {
            case 0x22: out.append(0x5C); out.append(0x22)
            case 0x5C: out.append(0x5C); out.append(0x5C)
            case 0x0A: out.append(0x5C); out.append(0x6E)
            case 0x0D: out.append(0x5C); out.append(0x72)
            case 0x09: out.append(0x5C); out.append(0x74)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: Array("\\u00".utf8)); out.append(hex[Int(b >> 4)]); out.append(hex[Int(b & 15)])
            default: out.append(b)
            }
        }
        out.append(0x22)
    }

    static func encode(_ e: LogEvent) -> [UInt8] {
        var fields: [(String, (inout [UInt8]) -> Void)] = []
        func add(_ key: String, _ value: String?) { if let value { fields.append((key, { string(value, into: &$0) })) } }
        func add(_ key: String, int value: UInt64) { fields.append((key, { $0.append(contentsOf: Array(String(value).utf8)) })) }
        add("agreement", e.agreement); add("code", e.code)
        if let counts = e.counts {
            fields.append(("counts", { out in
                out.append(0x7B)
                for (i, (k, v)) in counts.sorted(by: { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }).enumerated() {
                    if i > 0 { out.append(0x2C) }
                    string(k, into: &out); out.append(0x3A); out.append(contentsOf: Array(String(v).utf8))
                }
                out.append(0x7D)
            }))
        }
        add("hash", e.hash); add("output", e.output)
        if let params = e.parameters {
            fields.append(("parameters", { out in
                out.append(0x7B)
                for (i, (k, v)) in params.sorted(by: { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }).enumerated() {
                    if i > 0 { out.append(0x2C) }
                    string(k, into: &out); out.append(0x3A); string(v, into: &out)
                }
                out.append(0x7D)
            }))
        }
        add("party", e.party)
        if let parties = e.parties {
            fields.append(("parties", { out in
                out.append(0x5B)
                for (i, p) in parties.enumerated() { if i > 0 { out.append(0x2C) }; string(p, into: &out) }
                out.append(0x5D)
            }))
        }
        add("reason", e.reason); add("recipient", e.recipient); add("runID", e.runID)
        add("seq", int: e.seq); add("submissionID", e.submissionID); add("time", int: e.time); add("type", e.type.rawValue)
        var out: [UInt8] = [0x7B]
        out.reserveCapacity(256)
        for (i, (key, value)) in fields.sorted(by: { Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) }).enumerated() {
            if i > 0 { out.append(0x2C) }
            string(key, into: &out); out.append(0x3A); value(&out)
        }
        out.append(0x7D)
        return out
    }

    // MARK: reading

    struct Parser {
        let b: [UInt8]
        var i = 0

        struct Failure: Error { let why: String }

        mutating func ws() { while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 } }

        mutating func expect(_ c: UInt8) throws {
            ws()
            guard i < b.count, b[i] == c else { throw Failure(why: "expected '\(Character(Unicode.Scalar(c)))' at byte \(i)") }
            i += 1
        }

        mutating func peek() -> UInt8? { ws(); return i < b.count ? b[i] : nil }

        mutating func hex4() throws -> UInt32 {
            guard i + 4 <= b.count else { throw Failure(why: "short \\u escape") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = b[i]; i += 1
                switch c {
                case 0x30...0x39: v = v << 4 | UInt32(c - 0x30)
                case 0x61...0x66: v = v << 4 | UInt32(c - 0x57)
                case 0x41...0x46: v = v << 4 | UInt32(c - 0x37)
                default: throw Failure(why: "bad \\u escape")
                }
            }
            return v
        }

        mutating func string() throws -> String {
            try expect(0x22)
            var out: [UInt8] = []
            while true {
                guard i < b.count else { throw Failure(why: "unterminated string") }
                let c = b[i]; i += 1
                switch c {
                case 0x22:
                    guard let s = String(validating: out, as: UTF8.self) else { throw Failure(why: "string is not UTF-8") }
                    return s
                case 0x5C:
                    guard i < b.count else { throw Failure(why: "unterminated escape") }
                    let e = b[i]; i += 1
                    switch e {
                    case 0x22, 0x5C, 0x2F: out.append(e)
                    case 0x62: out.append(0x08)
                    case 0x66: out.append(0x0C)
                    case 0x6E: out.append(0x0A)
                    case 0x72: out.append(0x0D)
                    case 0x74: out.append(0x09)
                    case 0x75:
                        var v = try hex4()
                        if (0xD800..<0xDC00).contains(v) {
                            guard i + 2 <= b.count, b[i] == 0x5C, b[i + 1] == 0x75 else { throw Failure(why: "lone surrogate") }
                            i += 2
                            let low = try hex4()
                            guard (0xDC00..<0xE000).contains(low) else { throw Failure(why: "bad surrogate pair") }
                            v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let scalar = Unicode.Scalar(v) else { throw Failure(why: "escape is not a Unicode scalar") }
                        out.append(contentsOf: Array(String(Character(scalar)).utf8))
                    default: throw Failure(why: "unknown escape")
                    }
                case 0..<0x20: throw Failure(why: "control character in a string")
                default: out.append(c)
                }
            }
        }

        mutating func integer() throws -> UInt64 {
            ws()
            let start = i
            while i < b.count, (0x30...0x39).contains(b[i]) { i += 1 }
            guard i > start, i - start <= 19, !(b[start] == 0x30 && i - start > 1),
                  let v = UInt64(String(decoding: b[start..<i], as: UTF8.self)) else { throw Failure(why: "expected a non-negative integer at byte \(start)") }
            return v
        }

        mutating func members(_ body: (inout Parser, String) throws -> Void) throws {
            try expect(0x7B)
            // A few keys per object: a list is cheaper than hashing.
            var seen: [String] = []
            if peek() == 0x7D { i += 1; return }
            while true {
                let key = try string()
                guard !seen.contains(key) else { throw Failure(why: "key '\(key)' appears twice") }
                seen.append(key)
                try expect(0x3A)
                try body(&self, key)
                guard let c = peek() else { throw Failure(why: "unterminated object") }
                i += 1
                if c == 0x7D { return }
                guard c == 0x2C else { throw Failure(why: "expected ',' or '}' at byte \(i - 1)") }
            }
        }
    }

    static func decode(_ bytes: [UInt8]) throws -> LogEvent {
        var p = Parser(b: bytes)
        var seq: UInt64?, time: UInt64?, type: LogEvent.Kind?
        var e = LogEvent(time: 0, type: .authenticationFailed)
        try p.members { p, key in
            switch key {
            case "seq": seq = try p.integer()
            case "time": time = try p.integer()
            case "type":
                let t = try p.string()
                guard let k = LogEvent.Kind(rawValue: t) else { throw Parser.Failure(why: "unknown event type '\(t)'") }
                type = k
            case "agreement": e.agreement = try p.string()
            case "party": e.party = try p.string()
            case "recipient": e.recipient = try p.string()
            case "hash": e.hash = try p.string()
            case "submissionID": e.submissionID = try p.string()
            case "runID": e.runID = try p.string()
            case "output": e.output = try p.string()
            case "code": e.code = try p.string()
            case "reason": e.reason = try p.string()
            case "parties":
                try p.expect(0x5B)
                var list: [String] = []
                if p.peek() == 0x5D { p.i += 1 } else {
                    while true {
                        list.append(try p.string())
                        guard let c = p.peek() else { throw Parser.Failure(why: "unterminated array") }
                        p.i += 1
                        if c == 0x5D { break }
                        guard c == 0x2C else { throw Parser.Failure(why: "expected ',' or ']'") }
                    }
                }
                e.parties = list
            case "counts":
                var counts: [String: Int] = [:]
                try p.members { p, k in
                    let v = try p.integer()
                    guard v <= UInt64(Int.max) else { throw Parser.Failure(why: "count too large") }
                    counts[k] = Int(v)
                }
                e.counts = counts
            case "parameters":
                var params: [String: String] = [:]
                try p.members { p, k in params[k] = try p.string() }
                e.parameters = params
            default: throw Parser.Failure(why: "unknown key '\(key)'")
            }
        }
        p.ws()
        guard p.i == bytes.count else { throw Parser.Failure(why: "bytes after the object") }
        guard let seq, let time, let type else { throw Parser.Failure(why: "seq, time and type are required") }
        e.seq = seq; e.time = time; e.type = type
        return e
    }
}
