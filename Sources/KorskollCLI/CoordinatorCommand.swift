import ArgumentParser
import Coordinator
import Foundation
import Parties

/// Runs an async body from a synchronous command and waits for it.
func runBlocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let done = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var result: Result<T, Error>!
    Task {
        do { result = .success(try await body()) } catch { result = .failure(error) }
        done.signal()
    }
    done.wait()
    return try result.get()
}

struct CoordinatorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coordinator", abstract: "Run the coordinator service (Protocols/api.md).",
        subcommands: [Serve.self, Status.self, Report.self])

    struct Serve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve the coordinator's HTTP API on loopback, with its SQLite store and protocol log in --data.")

        @Option(help: "Data directory: database, submissions, results, protocol log.") var data: String
        @Option(help: "HOST:PORT to listen on (port 0 picks a free one; the port is written to DATA/port).") var listen = "127.0.0.1:8440"
        @Option(help: "The coordinator's secret key file.") var key: String
        @Option(help: "The party registry.") var registry: String
        @Option(name: .customLong("max-upload"), help: "Largest submission accepted, in bytes.") var maxUpload = 4 << 30

        func run() throws {
            let parts = listen.split(separator: ":")
            guard parts.count == 2, let port = Int(parts[1]) else { throw ValidationError("--listen must be HOST:PORT") }
            let host = String(parts[0])
            let keys: PartyKeys
            let reg: Registry
            do {
                keys = try KeyFiles.loadSecret(URL(fileURLWithPath: key))
                reg = try Registry.load(URL(fileURLWithPath: registry))
            } catch let e as KeyError { throw failure(e.reason) }
            guard (try? reg.entry(keys.party))?.role == .coordinator else {
                throw failure("\(keys.party) is not registered as a coordinator in \(registry)")
            }
            let service = try CoordinatorService(dataDir: data, keys: keys, registry: reg, maxUpload: maxUpload)
            let dataDir = data
            try runBlocking {
                // Protocols/api.md §5.1: the store is brought up to the log before serving.
                try await service.resume()
                // Retention is enforced every minute, and after each run; the refusal aggregator's
                // ended windows are written every 10 s (Protocols/log.md §1.1).
                let timer = Task {
                    var tick = 0
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .seconds(10))
                        await service.flushRefusals()
                        tick += 1
                        if tick % 6 == 0 { try? await service.enforceRetention() }
                    }
                }
                defer { timer.cancel() }
                // Serves until SIGTERM or SIGINT (a graceful shutdown); then the current window's
                // folded refusals are written.
                try await CoordinatorServer.run(service: service, host: host, port: port) { actual in
                    try? Data("\(actual)\n".utf8).write(to: URL(fileURLWithPath: dataDir + "/port"), options: .atomic)
                    printError("coordinator \(keys.party) listening on \(host):\(actual), data in \(dataDir)")
                }
                await service.flushRefusals(force: true)
            }
        }
    }
}
