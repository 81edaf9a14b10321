import EngineAPI
import Foundation

/// The selected torrent's own settings: streaming order, rate limits, ratio goal, folder, labels.
extension UIController {
    func performTorrentSetting(_ action: UIAction) -> [EngineCommand] {
        guard let row = requireSelection() else { return [] }
        switch action {
        case .toggleSequential:
            state.message = StatusMessage(
                text: row.sequential ? "Rarest first: \(row.name)" : "Sequential (streaming): \(row.name)",
                severity: .info)
            return [.setSequential(row.id, !row.sequential)]
        case .setTorrentRateLimits:
            let current = "\(limitText(row.downloadLimit)) \(limitText(row.uploadLimit))"
            state.mode = .prompt(Prompt(purpose: .torrentRateLimits(row.id), editor: LineEditor(current)))
        case .setRatioGoal:
            let current = row.ratioGoal.map { Format.twoDecimals($0) } ?? "0"
            state.mode = .prompt(Prompt(purpose: .ratioGoal(row.id), editor: LineEditor(current)))
        case .moveData:
            guard row.moveProgress == nil else {
                state.message = StatusMessage(text: "\(row.name) is already moving", severity: .warning)
                return []
            }
            state.mode = .prompt(Prompt(purpose: .moveData(row.id), editor: LineEditor(row.downloadDirectory)))
        case .setLabels:
            let current = row.labels.joined(separator: ", ")
            state.mode = .prompt(Prompt(purpose: .labels(row.id), editor: LineEditor(current)))
        default:
            break
        }
        return []
    }

    func submitTorrentSetting(_ purpose: Prompt.Purpose, id: TorrentID, text: String) -> [EngineCommand] {
        let name = state.snapshot.torrents.first { $0.id == id }?.name ?? String(id.hex.prefix(8))
        switch purpose {
        case .torrentRateLimits:
            do {
                let limits = try RateLimitParser.parse(text)
                state.message = StatusMessage(
                    text: "\(name): ↓ \(Format.limit(limits.download))/s ↑ \(Format.limit(limits.upload))/s",
                    severity: .info)
                return [.setTorrentRateLimits(id, download: limits.download, upload: limits.upload)]
            } catch {
                state.message = StatusMessage(text: error.description, severity: .error)
            }
        case .ratioGoal:
            let lowered = text.lowercased()
            if ["", "0", "-", "none", "∞"].contains(lowered) {
                state.message = StatusMessage(text: "\(name): seeds without a ratio goal", severity: .info)
                return [.setRatioGoal(id, nil)]
            }
            guard let goal = Double(lowered), goal.isFinite, goal > 0, goal < 1_000_000 else {
                state.message = StatusMessage(
                    text: "\"\(text)\" is not a ratio; use a number such as 2 or 1.5, or 0 for none", severity: .error)
                return []
            }
            state.message = StatusMessage(text: "\(name): stops seeding at ratio \(Format.twoDecimals(goal))",
                                          severity: .info)
            return [.setRatioGoal(id, goal)]
        case .moveData:
            guard !text.isEmpty else {
                state.message = StatusMessage(text: "Enter a folder to move the data to", severity: .error)
                return []
            }
            let folder = (text as NSString).expandingTildeInPath
            state.message = StatusMessage(text: "Moving \(name) to \(folder)", severity: .info)
            return [.setLocation(id, directory: folder, moveData: true)]
        case .labels:
            let labels = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
            state.message = StatusMessage(
                text: labels.isEmpty ? "\(name): no labels" : "\(name): \(labels.joined(separator: ", "))",
                severity: .info)
            return [.setLabels(id, labels)]
        case .addTorrent, .rateLimits:
            break
        }
        return []
    }
}
