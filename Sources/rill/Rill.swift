import ArgumentParser

/// The `rill` command line: a BitTorrent client for the terminal.
@main
struct Rill: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rill",
        abstract: "A BitTorrent client for the terminal.",
        discussion: """
            Examples:
              rill demo                             the client on a local demo swarm (no network)
              rill                                  the full-screen client on your saved torrents
              rill 'magnet:?xt=urn:btih:…'          open the client and add a magnet link
              rill info ubuntu.iso.torrent          show what a torrent contains
              rill create ~/Music/album -o album.torrent --tracker udp://tracker.example:1337
              rill check album.torrent --dir ~/Downloads
              rill download album.torrent --dir ~/Downloads
              rill download 'magnet:?xt=urn:btih:…' --dir ~/Downloads --select 1,3-4
              rill seed album.torrent --dir ~/Music
              rill daemon                           headless; transmission-remote and Sonarr drive it
            """,
        version: RillVersion.string,
        subcommands: [InfoCommand.self, CreateCommand.self, CheckCommand.self, DownloadCommand.self, SeedCommand.self,
                      ConfigCommand.self, DemoCommand.self, DaemonCommand.self, UICommand.self],
        defaultSubcommand: UICommand.self
    )
}

enum RillVersion {
    static let string = "0.1.0"
}
