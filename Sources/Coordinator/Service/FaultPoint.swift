import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Named points before and after every write of the store and the log, where a test makes the
/// coordinator die as a kill would (Protocols/api.md §5.4). `KORSKOLL_FAULT_POINT=<name>` is read
/// once, at the first point reached; at that point the process ends with `_exit(137)`, so no
/// buffer is flushed and no `defer` runs. Unset, every point is a no-op.
enum FaultPoint: String, CaseIterable, Sendable {
    case agreementBeforeLog = "agreement.before-log"
    case agreementBeforeStore = "agreement.before-store"
    case agreementAfterStore = "agreement.after-store"
    case ceremonyBeforeLog = "ceremony.before-log"
    case ceremonyBeforeStore = "ceremony.before-store"
    case ceremonyAfterStore = "ceremony.after-store"
    case submissionBeforeLog = "submission.before-log"
    case submissionBeforeStore = "submission.before-store"
    case submissionAfterStore = "submission.after-store"
    case runBeforeStartLog = "run.before-start-log"
    case runAfterStartLog = "run.after-start-log"
    case runBeforeFinishLog = "run.before-finish-log"
    case runBeforeFinishStore = "run.before-finish-store"
    case runAfterFinishStore = "run.after-finish-store"
    case fetchBeforeLog = "fetch.before-log"
    case fetchAfterLog = "fetch.after-log"

    /// The point named by the environment, read once.
    static let armed: String? = ProcessInfo.processInfo.environment["KORSKOLL_FAULT_POINT"]

    /// Dies here if this is the armed point.
    func reach() {
        guard let armed = Self.armed, armed == rawValue else { return }
        FileHandle.standardError.write(Data("coordinator: fault point \(rawValue) reached; exiting 137\n".utf8))
        _exit(137)
    }
}
