import ArgumentParser
import Foundation

/// `rill demo`: the full-screen client on a swarm of local seeders, with no network and no set-up.
struct DemoCommand: AsyncRillCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Open the client on a local demo swarm (no network needed).",
        discussion: """
            Makes a folder of random files, starts seeders on 127.0.0.x with different upload \
            limits (two with only part of the data, one that keeps leaving and coming back), and \
            opens the client on a session that downloads from them. Beside it: a torrent seeding \
            to demo leechers, one with a skipped file, one queued behind the active limit, one \
            paused, and a magnet link fetching its metadata. Temporary files are removed on exit. \
            Nothing leaves this machine.
            """
    )

    @Option(help: "Number of local seeders (1-8).")
    var seeders = 4

    @Option(help: "Size of the demo payload in MiB (1-4096).")
    var size = 200

    @Option(help: "Theme name (a file in Themes/) or path to a theme file.")
    var theme: String?

    func validate() throws {
        guard (1...8).contains(seeders) else { throw ValidationError("--seeders must be from 1 to 8") }
        guard (1...4096).contains(size) else { throw ValidationError("--size must be from 1 to 4096 (MiB)") }
    }

    func execute() async throws {
        try FrontEnd.requireTerminal()
        let log = FrontEnd.fileLogger()
        let swarm: DemoSwarm
        do {
            swarm = try await DemoSwarm.start(seeders: seeders, megabytes: size, log: log)
        } catch {
            throw CLIError("cannot start the demo swarm: \(error)")
        }
        let config = ConfigFile(path: RillPaths.configFile)
        let settings = config.settings
        do {
            log.info("demo: \(seeders) local seeders on 127.0.0.2-127.0.0.\(seeders + 1), data in \(swarm.folder)")
            try await FrontEnd.run(engine: swarm.session, theme: theme ?? settings.theme, notes: config.problems,
                                   log: log)
        } catch {
            await swarm.stop()
            throw error
        }
        await swarm.stop()
    }
}
