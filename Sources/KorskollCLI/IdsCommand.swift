import ArgumentParser

struct IdsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ids", abstract: "Swedish identity numbers.", subcommands: [])
}
