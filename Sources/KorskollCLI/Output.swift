import Foundation
import Identifiers
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a line to standard error (progress, warnings and errors; never secrets).
func printError(_ line: String) {
    writeAll(fd: 2, line + "\n")
}

/// Writes text to standard output unbuffered; used for machine-read output that is streamed.
func writeAll(fd: Int32, _ text: String) {
    var text = text
    text.withUTF8 { buffer in
        var offset = 0
        while offset < buffer.count {
            let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if n <= 0 { return }
            offset += n
        }
    }
}

extension CalendarDate {
    /// Today's date in UTC: the default reference date of commands that read 10-digit numbers.
    static func today() -> CalendarDate {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day], from: Date())
        return CalendarDate(year: c.year!, month: c.month!, day: c.day!)!
    }
}
