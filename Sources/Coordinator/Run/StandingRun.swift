/// What a run of a standing agreement is about (Protocols/standing.md §1.1): the one submission
/// it answers and the standing lists it ran against. Nil for the single run of a v1/v2 agreement.
public struct StandingRun: Sendable, Equatable {
    /// The party whose submission (a check, or a list whose party receives a per-record output)
    /// the run answers; its rows are the subject rows of every output of the run.
    public let submitter: String
    /// The submission id (hex) of the answered submission: the check id.
    public let checkID: String
    /// The other parties' lists the run ran against: party → list submission id (hex).
    public let lists: [String: String]

    public init(submitter: String, checkID: String, lists: [String: String]) {
        self.submitter = submitter; self.checkID = checkID; self.lists = lists
    }
}
