// libFuzzer harness for the CSV reader (Sources/Tabular/CSVReader.swift), compiled together with
// the Tabular sources by build.sh. A stray quote rejects its row and reading goes on, as at the
// node; rows read must equal rows returned plus rows abandoned.
import Foundation

let scratch = "/dev/shm/korskoll-libfuzzer-csv-\(getpid()).csv"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = FileManager.default.createFile(atPath: scratch, contents: Data(bytes: data, count: size))
    for delimiter in [UInt8(ascii: ","), UInt8(ascii: ";")] {
        guard let reader = try? CSVReader(path: scratch, delimiter: delimiter) else { return 0 }
        var returned = 0, abandoned = 0
        while true {
            do {
                guard try reader.next() != nil else { break }
                returned += 1
            } catch let e as CSVError where e.code == .strayQuote {
                abandoned += 1
                reader.skipRestOfLine()
            } catch is CSVError {
                break
            } catch {
                fatalError("CSVReader threw \(type(of: error)), not CSVError")
            }
        }
        precondition(reader.recordsRead >= returned + abandoned, "rows read \(reader.recordsRead) < \(returned) + \(abandoned)")
    }
    return 0
}
