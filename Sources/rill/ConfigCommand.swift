import ArgumentParser
import Foundation

/// `rill config`: the settings in force, and where each one came from.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Show the effective settings and where each came from.",
        discussion: """
            Settings live in config.toml in the XDG config folder (~/.config/rill), or in \
            $RILL_HOME when that is set. Every key is optional; a key that is unknown or has a bad \
            value is reported with its line and the default is used instead.
            """
    )

    @Flag(help: "Print only the path of the configuration file.")
    var path = false

    func run() throws {
        let file = RillPaths.configFile
        if path {
            print(file)
            return
        }
        let config = ConfigFile(path: file)
        for problem in config.problems { Console.printError("rill: \(problem)") }
        let exists = FileManager.default.fileExists(atPath: file)
        print("# configuration file: \(file)\(exists ? "" : " (not present: all defaults)")")
        let width = SettingKey.all.map(\.name.count).max() ?? 0
        for key in SettingKey.all {
            let value = key.show(config.settings)
            let name = key.name.padding(toLength: width, withPad: " ", startingAt: 0)
            let source = config.sources[key.name] ?? .builtIn
            print("\(name) = \(value)    # \(source): \(key.help)")
        }
        print("# state folder: \(RillPaths.dataHome)   log: \(RillPaths.logFile)")
    }
}
