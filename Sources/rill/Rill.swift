import ArgumentParser

/// The `rill` command line: a BitTorrent client for the terminal.
@main
struct Rill: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rill",
        abstract: "A BitTorrent client for the terminal.",
        discussion: """
            Examples:
              rill info ubuntu.iso.torrent          show what a torrent contains
              rill create ~/Music/album -o album.torrent --tracker udp://tracker.example:1337
              rill check album.torrent --dir ~/Downloads
            """,
        version: RillVersion.string,
        subcommands: [InfoCommand.self, CreateCommand.self, CheckCommand.self]
    )
}

enum RillVersion {
    static let string = "0.1.0"
}
