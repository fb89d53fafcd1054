import API

/// The phases of an agreement's run as a value (Protocols/api.md §3.4):
/// `waiting → running → finished | failed`. It decides; the service does what the returned
/// action says. A run left `running` by a previous process is started again (a restart); a run
/// under way in this process is not started twice; a finished or failed run is never re-run.
struct RunMachine: Equatable {
    /// What the service must do after an event.
    enum Action: Equatable {
        /// Nothing: the event does not apply in this state.
        case none
        /// Start a run; `restart` when a previous process left it running (logged so).
        case start(restart: Bool)
        /// Store the results, mark the run finished, log `run.finished` and `result.sealed`.
        case recordFinished
        /// Mark the run failed with the reason and log it.
        case recordFailed(reason: String)
    }

    private(set) var state: RunState

    /// The machine for a stored state (nil when no run was stored: waiting).
    init(stored: RunState?) { state = stored ?? .waiting }

    /// Every party has submitted. `active` says whether this process runs the agreement already.
    mutating func allSubmitted(active: Bool) -> Action {
        switch state {
        case .waiting:
            state = .running
            return .start(restart: false)
        case .running:
            return active ? .none : .start(restart: true)
        case .finished, .failed:
            return .none
        }
    }

    /// The run linked every submission and sealed every output.
    mutating func sealed() -> Action {
        guard state == .running else { return .none }
        state = .finished
        return .recordFinished
    }

    /// The run stopped with `reason`.
    mutating func failed(_ reason: String) -> Action {
        guard state == .running else { return .none }
        state = .failed
        return .recordFailed(reason: reason)
    }
}
