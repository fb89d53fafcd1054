import ArgumentParser
import Foundation
import Synth

/// `korskoll demo` (README, `Protocols/demo.md`): the whole product on one machine, as standing
/// agreements over rounds (`Protocols/standing.md`).
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the end-to-end demonstration: a population over rounds, keys, standing agreements, coordinator, key holders, nodes, results, case development, log.",
        discussion: """
            Every node step (key ceremony, encode, submit, results, outcome, report) runs as its own \
            korskoll process against a coordinator process on a free loopback port. The three example \
            agreements stand over the rounds: reference lists stay at the coordinator until replaced, \
            checks come and go. Per round it prints what each party learned (new, continuing, ended) \
            with precision and recall against the truth of ties to reference rows; then the refusals \
            of bad input, the case-development report, a scan of the coordinator's storage for \
            plaintext identity numbers, and the privacy officer's verification of the log.
            """)

    @Option(help: "Keep everything in this directory (must not exist): coordinator/, nodes/<party>/, population/.") var workdir: String?
    @Option(help: "People in the synthetic population.") var people = 20_000
    @Option(help: "Seed of the synthetic population.") var seed: UInt64 = 2026
    @Option(help: "Name tables of the population: realistic or small (synth.md §3).") var names: NameSetting = .realistic
    @Option(help: "Rounds of the standing agreements (at least 3 show lists replaced, ties that continue and end, re-entry).") var rounds = 3

    func run() throws {
        guard rounds >= 2 else { throw failure("--rounds must be at least 2: a standing agreement shows itself over rounds") }
        let demo = try DemoRun(workdir: workdir, people: people, seed: seed, names: names, rounds: rounds)
        defer { demo.stop() }
        try demo.population()
        try demo.keysAndAgreements()
        try demo.startCoordinator()
        try demo.startKeyHolders()
        try demo.establishAgreements()
        for k in 1...rounds { try demo.round(k) }
        try demo.standingRefusals()
        try demo.keyHolderRefusals()
        try demo.caseDevelopment()
        let clean = try demo.scanStorage()
        try demo.verifyLog()
        demo.summary(clean: clean)
        if !clean { throw ExitCode.failure }
    }
}
