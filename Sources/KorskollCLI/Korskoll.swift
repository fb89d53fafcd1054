import ArgumentParser

/// The root command: one subcommand group per job, in the order of the data flow.
public struct Korskoll: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "korskoll",
        abstract: "Privacy-preserving record linkage between Swedish agencies.",
        discussion: """
            Nodes blind identity numbers and encode names into Bloom filters on their own premises; \
            a coordinator matches the encodings without seeing an identifier; results are sealed to \
            the parties a signed linkage agreement names; privacy officers verify the protocol log.
            """,
        subcommands: [
            IdsCommand.self, KeysCommand.self, SynthCommand.self, AgreementCommand.self, ClkCommand.self, NodeCommand.self,
            MatchCommand.self, CoordinatorCommand.self, LogCommand.self, DemoCommand.self,
            KeyHolderCommand.self,
        ]
    )

    public init() {}
}
