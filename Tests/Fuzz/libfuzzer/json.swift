// libFuzzer harness for the JSON reader and the result document (Sources/Wire/Result), compiled
// together with those sources by build.sh: the reader returns a value or throws
// JSONReader.Failure, and an accepted value survives its writer.
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Data(bytes: data, count: size)
    do {
        let value = try JSONReader.parse(input)
        let again = try JSONReader.parse(Data(value.encoded))
        precondition(again == value, "a JSON value does not survive writing and reading")
    } catch is JSONReader.Failure {
    } catch {
        fatalError("JSONReader threw \(type(of: error))")
    }
    do {
        let doc = try ResultDocument.read(input)
        let again = try ResultDocument.read(Data(doc.encoded))
        precondition(again == doc, "a result document does not survive writing and reading")
    } catch is ResultDocument.Malformed {
    } catch {
        fatalError("ResultDocument.read threw \(type(of: error))")
    }
    return 0
}
