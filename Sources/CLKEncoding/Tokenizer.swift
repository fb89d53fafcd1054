import Foundation

extension LinkageSchema.Comparison {
    /// The tokens of a formatted value, in order, duplicates kept (Protocols/clk.md §2.3).
    func tokens(_ value: String) -> Result<[String], CLKError> {
        switch self {
        case .exact:
            return .success(value.isEmpty ? [] : [value])
        case .ngram(let n, let positional):
            if value.isEmpty { return .success([]) }
            // Windows over code points; n−1 spaces of padding on each side when n > 1.
            var scalars = Array(value.unicodeScalars)
            if n > 1 {
                let pad = Array(repeating: Unicode.Scalar(0x20)!, count: n - 1)
                scalars = pad + scalars + pad
            }
            guard n > 0, scalars.count >= n else { return .success([]) }
            var out: [String] = []
            out.reserveCapacity(scalars.count - n + 1)
            for i in 0...(scalars.count - n) {
                var gram = String.UnicodeScalarView()
                gram.append(contentsOf: scalars[i..<i + n])
                out.append(positional ? "\(i + 1) " + String(gram) : String(gram))
            }
            return .success(out)
        case .numeric(let threshold, let resolution, let precision):
            if value.isEmpty { return .success([]) }
            let scale = Self.power10(precision)
            var v: Int
            if let i = PythonInt.parse(value) {
                let (m, o) = i.multipliedReportingOverflow(by: scale)
                guard !o else { return .failure(CLKError(.invalidValue, "is too large for the numeric comparison")) }
                v = m
            } else if let d = Double(value.trimmingCharacters(in: .whitespaces)), d.isFinite {
                let x = precision > 0 ? (d * pow(10, Double(precision))).rounded(.toNearestOrEven) : d.rounded(.towardZero)
                guard abs(x) < 9e18 else { return .failure(CLKError(.invalidValue, "is too large for the numeric comparison")) }
                v = Int(x)
            } else {
                return .failure(CLKError(.invalidValue, "is not a number"))
            }
            let interval = Int((threshold * pow(10, Double(precision))).rounded(.toNearestOrEven))
            let (scaled, o) = v.multipliedReportingOverflow(by: 2 * resolution)
            guard !o else { return .failure(CLKError(.invalidValue, "is too large for the numeric comparison")) }
            v = scaled
            // Python's % has the sign of the divisor.
            let residue = ((v % interval) + interval) % interval
            if residue != 0 {
                v = Double(residue) < Double(interval) / 2 ? v - residue : v + (interval - residue)
            }
            return .success((-resolution...resolution).map { String(v + $0 * interval) })
        }
    }

    static func power10(_ p: Int) -> Int { (0..<p).reduce(1) { r, _ in r * 10 } }
}

extension LinkageSchema.Strategy {
    /// Indices per token: k each, or K spread with the first K mod n tokens getting one more.
    func counts(tokens n: Int) -> (Int) -> Int {
        switch self {
        case .bitsPerToken(let k):
            return { _ in k }
        case .bitsPerFeature(let total):
            guard n > 0 else { return { _ in 0 } }
            let q = total / n, r = total % n
            return { i in i < r ? q + 1 : q }
        }
    }
}

extension LinkageSchema.StringEncoding {
    /// The bytes a token is hashed as. Python prefixes every utf-16 and utf-32 encoding with a
    /// little-endian byte order mark, so each token carries one.
    func bytes(_ token: String, into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        switch self {
        case .ascii, .utf8:
            out.append(contentsOf: token.utf8)
        case .utf16:
            out.append(contentsOf: [0xFF, 0xFE])
            for unit in token.utf16 { out.append(UInt8(unit & 0xFF)); out.append(UInt8(unit >> 8)) }
        case .utf32:
            out.append(contentsOf: [0xFF, 0xFE, 0, 0])
            for s in token.unicodeScalars {
                let v = s.value
                out.append(contentsOf: [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8(v >> 24)])
            }
        }
    }
}
