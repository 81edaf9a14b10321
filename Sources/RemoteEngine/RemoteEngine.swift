import EngineAPI
import Foundation

/// A `TorrentEngine` whose torrents live in another process: any Transmission-RPC server
/// (`rill daemon`, `transmission-daemon`). It polls the server about twice a second and keeps the
/// last snapshot, so `snapshot(detail:)` answers at once; commands become RPC calls, and their
/// failures come back as events. `close()` only detaches: the server keeps running.
public final class RemoteEngine: TorrentEngine {
    public let endpoint: RPCEndpoint
    private let client: RPCClient
    private let pollInterval: Duration
    private let state = LockedValue(State())
    private let commands: AsyncStream<EngineCommand>.Continuation
    private let tasks = LockedValue<[Task<Void, Never>]>([])
    private static let maxQueuedEvents = 1000

    private struct State {
        var snapshot = SessionSnapshot()
        var session = TransmissionMapping.Session()
        /// Transmission's own numbers for the torrents, which its commands take.
        var rpcIDs: [TorrentID: Int] = [:]
        var rows: [TorrentID: TorrentSnapshot]?
        var detailID: TorrentID?
        var detail: TorrentDetail?
        var events: [EngineEvent] = []
        var droppedEvents = 0
        var reachable = true
        var wakeRequested = false

        mutating func post(_ event: EngineEvent) {
            if events.count >= RemoteEngine.maxQueuedEvents { droppedEvents += 1 } else { events.append(event) }
        }
    }

    /// Connects to the server at `url` (`http://user:pass@host:9091`, path `/transmission/rpc`
    /// unless given), reads its state once, and starts polling. Throws one sentence when the
    /// server cannot be reached or refuses the credentials.
    public static func connect(to url: String,
                               pollInterval: Duration = .milliseconds(500)) async throws -> RemoteEngine {
        let endpoint = try RPCEndpoint(parsing: url)
        let engine = RemoteEngine(endpoint: endpoint, pollInterval: pollInterval)
        do {
            try await engine.refresh()
        } catch {
            await engine.close()
            throw error
        }
        engine.start()
        return engine
    }

    private init(endpoint: RPCEndpoint, pollInterval: Duration) {
        self.endpoint = endpoint
        self.pollInterval = pollInterval
        client = RPCClient(endpoint: endpoint)
        // Commands run one at a time, in the order performed; a flood beyond this many waiting is dropped.
        (pendingCommands, commands) = AsyncStream.makeStream(of: EngineCommand.self,
                                                             bufferingPolicy: .bufferingOldest(10_000))
    }

    private let pendingCommands: AsyncStream<EngineCommand>

    private func start() {
        let poller = Task { [weak self] in
            while !Task.isCancelled, let engine = self {
                await engine.pollOnce()
                await engine.pause()
            }
        }
        let stream = pendingCommands
        let executor = Task { [weak self] in
            for await command in stream {
                guard let engine = self else { return }
                _ = await engine.submit(command)
            }
        }
        tasks.set([poller, executor])
    }

    // MARK: - TorrentEngine

    public func snapshot(detail: TorrentID?) -> SessionSnapshot {
        state.update { state in
            if state.detailID != detail {
                state.detailID = detail
                state.wakeRequested = true
            }
            var snapshot = state.snapshot
            snapshot.detail = state.detail.flatMap { $0.id == detail ? $0 : nil }
            return snapshot
        }
    }

    public func drainEvents() -> [EngineEvent] {
        state.update { state in
            var events = state.events
            if state.droppedEvents > 0 { events.append(.dropped(count: state.droppedEvents)) }
            state.events = []
            state.droppedEvents = 0
            return events
        }
    }

    public func perform(_ command: EngineCommand) {
        commands.yield(command)
    }

    public func submit(_ command: EngineCommand) async -> CommandOutcome {
        let outcome: CommandOutcome
        do {
            if case .add(let source, let directory, let options) = command {
                outcome = try await add(source, directory: directory, options: options)
            } else {
                let (session, rpcIDs) = state.update { ($0.session, $0.rpcIDs) }
                let fields = TransmissionFields(rpcVersion: session.rpcVersion, isRill: session.isRill)
                let rpcID: (TorrentID) -> Any = { id in rpcIDs[id].map { $0 as Any } ?? id.hex }
                let calls = try TransmissionCommand.calls(for: command, ids: rpcID, speedUnit: session.speedUnit,
                                                          fields: fields)
                for call in calls { _ = try await client.call(call.method, call.arguments) }
                outcome = .done
            }
        } catch {
            let sentence = "\(error)"
            state.update { $0.post(.commandFailed(command.torrentID, sentence)) }
            outcome = .failed(sentence)
        }
        state.update { $0.wakeRequested = true }
        return outcome
    }

    public func details(for ids: [TorrentID]) async -> [TorrentDetail] {
        guard !ids.isEmpty else { return [] }
        let (session, rows) = state.update { ($0.session, $0.rows ?? [:]) }
        let fields = TransmissionFields(rpcVersion: session.rpcVersion, isRill: session.isRill)
        let request: [String: Any] = ["ids": ids.map(\.hex), "fields": fields.detail]
        guard let answer = try? await client.call("torrent-get", request) else { return [] }
        let now = Date().timeIntervalSince1970
        return JSONObject(answer).objects("torrents").compactMap { values in
            let name = values.string("hashString").flatMap { rows[TorrentID(hex: $0)]?.name } ?? ""
            return TransmissionMapping.detail(values, name: name, now: now)
        }
    }

    public func close() async {
        commands.finish()
        let running = tasks.update { tasks in
            defer { tasks = [] }
            return tasks
        }
        for task in running { task.cancel() }
        for task in running { await task.value }
        await client.shutdown()
    }

    // MARK: - Polling

    private func pollOnce() async {
        do {
            try await refresh()
            let recovered = state.update { state in
                defer { state.reachable = true }
                return !state.reachable
            }
            if recovered { state.update { $0.post(.notice(nil, "Connected again to \(endpoint.hostAndPort)")) } }
        } catch {
            let sentence = "\(error)"
            state.update { state in
                if state.reachable { state.post(.notice(nil, "Lost the connection: \(sentence)")) }
                state.reachable = false
            }
        }
    }

    /// Waits for the next poll: the interval, or less when a command or a new detail asks for one.
    private func pause() async {
        let step = Duration.milliseconds(25)
        var waited = Duration.zero
        while waited < pollInterval, !Task.isCancelled {
            if state.update({ $0.wakeRequested }) { break }
            try? await Task.sleep(for: step)
            waited += step
        }
        state.update { $0.wakeRequested = false }
    }

    /// Reads the session, every torrent's row and the detail torrent, and publishes them.
    private func refresh() async throws {
        var session = TransmissionMapping.session(get: JSONObject(try await client.call("session-get")))
        TransmissionMapping.apply(stats: JSONObject(try await client.call("session-stats")), to: &session)
        let fields = TransmissionFields(rpcVersion: session.rpcVersion, isRill: session.isRill)
        let list = JSONObject(try await client.call("torrent-get", ["fields": fields.list])).objects("torrents")
        var rows: [TorrentSnapshot] = []
        var rpcIDs: [TorrentID: Int] = [:]
        rows.reserveCapacity(list.count)
        for values in list {
            guard let row = TransmissionMapping.torrent(values, session: session) else { continue }
            rows.append(row)
            if let number = values.int("id") { rpcIDs[row.id] = number }
        }
        rows.sort { $0.queuePosition < $1.queuePosition }
        var detail: TorrentDetail?
        if let detailID = state.update({ $0.detailID }), let row = rows.first(where: { $0.id == detailID }) {
            let answer = try await client.call("torrent-get", ["ids": [detailID.hex], "fields": fields.detail])
            detail = JSONObject(answer).objects("torrents").first.flatMap {
                TransmissionMapping.detail($0, name: row.name, now: Date().timeIntervalSince1970)
            }
        }
        publish(session: session, rows: rows, rpcIDs: rpcIDs, detail: detail)
    }

    private func publish(session: TransmissionMapping.Session, rows: [TorrentSnapshot], rpcIDs: [TorrentID: Int],
                         detail: TorrentDetail?) {
        var snapshot = SessionSnapshot(
            torrents: rows, downloadRate: session.downloadRate, uploadRate: session.uploadRate,
            downloadLimit: session.downloadLimit, uploadLimit: session.uploadLimit, listenPort: session.listenPort,
            connections: session.connections ?? rows.reduce(0) { $0 + $1.peers }, uptime: session.uptime,
            freeDiskSpace: session.freeDiskSpace, maxActiveDownloads: session.maxActiveDownloads,
            maxActiveSeeds: session.maxActiveSeeds, dht: session.dht, settings: session.settings)
        snapshot.isAttached = true
        snapshot.engineDescription = Self.describe(version: session.settings.version, isRill: session.isRill,
                                                   at: endpoint.hostAndPort)
        state.update { state in
            let current = Dictionary(rows.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            if let previous = state.rows {
                for event in RemoteEvents.between(previous, current, order: rows) { state.post(event) }
            }
            state.rows = current
            state.rpcIDs = rpcIDs
            state.session = session
            state.snapshot = snapshot
            if let detail { state.detail = detail } else if state.detailID == nil { state.detail = nil }
        }
    }

    /// The status bar's name for the server: "daemon HOST:PORT" for rill, "transmission 3.00 @ HOST:PORT".
    static func describe(version: String, isRill: Bool, at place: String) -> String {
        if isRill { return "daemon \(place)" }
        let number = version.split(separator: " ").first.map(String.init) ?? "?"
        return "transmission \(number) @ \(place)"
    }

    // MARK: - Adding

    private func add(_ source: AddSource, directory: String?, options: AddOptions) async throws -> CommandOutcome {
        let arguments = try TransmissionCommand.addArguments(source, directory: directory, options: options)
        let answer = JSONObject(try await client.call("torrent-add", arguments))
        let duplicate = answer.object("torrent-duplicate")
        guard let added = answer.object("torrent-added") ?? duplicate, let hash = added.string("hashString") else {
            throw RPCError.malformedResponse("torrent-add named no torrent")
        }
        let id = TorrentID(hex: hash)
        let name = added.string("name") ?? hash
        if duplicate != nil { return .duplicate(id, name: name) }
        let rpcID: Any = added.int("id") ?? hash
        let session = state.update { $0.session }
        let fields = TransmissionFields(rpcVersion: session.rpcVersion, isRill: session.isRill)
        var fileCount: Int?
        if options.selectedFiles != nil {
            let files = try await client.call("torrent-get", ["ids": [rpcID], "fields": ["files"]])
            let count = JSONObject(files).objects("torrents").first?.objects("files").count ?? 0
            fileCount = count > 0 ? count : nil
        }
        if var settings = TransmissionCommand.afterAdd(options, fileCount: fileCount, fields: fields,
                                                       speedUnit: session.speedUnit) {
            settings["ids"] = [rpcID]
            _ = try await client.call("torrent-set", settings)
        }
        return .added(id, name: name)
    }
}

extension EngineCommand {
    /// The torrent a command is about, when it is about one.
    var torrentID: TorrentID? {
        switch self {
        case .pause(let id), .resume(let id), .remove(let id, _), .setFilePriority(let id, _, _),
             .setSeeding(let id, _),
             .setSequential(let id, _), .recheck(let id), .setTorrentRateLimits(let id, _, _), .addPeer(let id, _, _),
             .moveInQueue(let id, _), .setRatioGoal(let id, _), .setLabels(let id, _), .reannounce(let id),
             .setLocation(let id, _, _):
            id
        case .add, .setRateLimits, .setQueueLimits, .setDefaultDirectory:
            nil
        }
    }
}
