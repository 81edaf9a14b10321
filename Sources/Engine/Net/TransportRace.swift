internal import NIOCore
import SwarmLogic
import TorrentCore

/// Dials a peer not known to speak either transport: uTP first, and TCP as well once uTP has had
/// `headStart` without connecting (as happy eyeballs does for IPv6 and IPv4). The first channel
/// to connect gets the peer pipeline (`install`) and becomes the connection; one that connects
/// later is closed. The dial fails only when both have failed.
///
/// A TCP channel's initializer runs before it connects, so its pipeline is installed once it
/// has won (and NIO has announced it active), and `channelActive` is sent down it then. uTP runs its initializer only once the
/// SYN is answered, so the claim happens there. Loop-confined.
final class TransportRace: @unchecked Sendable {
    private let endpoint: PeerEndpoint
    /// False once the connection stopped waiting for a channel (closed meanwhile).
    private let waiting: () -> Bool
    private let utp: any PeerTransport
    private let tcp: any PeerTransport
    private let loop: any EventLoop
    private let headStart: TimeAmount
    private let install: (Channel, TransportKind) throws -> Void
    private let log: (String) -> Void
    private let done: (Result<TransportKind, Error>) -> Void

    /// The transport whose channel connected first, once one has.
    private var winner: TransportKind?
    /// True once `done` was called.
    private var reported = false
    private var tcpStarted = false
    private var running = 0

    init(endpoint: PeerEndpoint, waiting: @escaping () -> Bool, utp: any PeerTransport, tcp: any PeerTransport, loop: any EventLoop,
         headStart: TimeAmount, install: @escaping (Channel, TransportKind) throws -> Void,
         log: @escaping (String) -> Void, done: @escaping (Result<TransportKind, Error>) -> Void) {
        self.endpoint = endpoint
        self.waiting = waiting
        self.utp = utp
        self.tcp = tcp
        self.loop = loop
        self.headStart = headStart
        self.install = install
        self.log = log
        self.done = done
    }

    func start() {
        running = 1
        utp.connect(to: endpoint, on: loop, timeout: .seconds(10)) { [self] channel in
            channel.eventLoop.makeCompletedFuture {
                // On the loop: the SYN was answered.
                guard claim(.utp) else { throw ChannelError.alreadyClosed }
                try install(channel, .utp)
            }
        }.assumeIsolated().whenComplete { [self] result in
            running -= 1
            switch result {
            case .success: report(.success(.utp))
            case .failure(let error): failed(.utp, error)
            }
        }
        loop.scheduleTask(in: headStart) { [self] in
            if winner == nil, !reported, !tcpStarted { _ = startTCP() }
        }
    }

    /// Dials TCP, unless the connection stopped waiting (closed meanwhile).
    private func startTCP() -> Bool {
        guard waiting() else { return false }
        tcpStarted = true
        running += 1
        tcp.connect(to: endpoint, on: loop, timeout: .seconds(10)) { channel in
            channel.eventLoop.makeSucceededVoidFuture()
        }.assumeIsolated().whenComplete { [self] result in
            running -= 1
            switch result {
            case .success(let channel):
                guard claim(.tcp) else { return channel.close(promise: nil) }
                // The connect future completes just before NIO tells the pipeline that the channel
                // is active: the peer pipeline goes in after that, and then hears of it once.
                loop.execute { [self] in
                    guard channel.isActive else { return report(.failure(ChannelError.alreadyClosed)) }
                    do {
                        try install(channel, .tcp)
                        channel.pipeline.syncOperations.fireChannelActive()
                        report(.success(.tcp))
                    } catch {
                        channel.close(promise: nil)
                        report(.failure(error))
                    }
                }
            case .failure(let error):
                failed(.tcp, error)
            }
        }
        return true
    }

    /// True for the first channel to connect, while the connection still waits for one.
    private func claim(_ kind: TransportKind) -> Bool {
        guard winner == nil, !reported, waiting() else { return false }
        winner = kind
        return true
    }

    private func failed(_ kind: TransportKind, _ error: Error) {
        if winner == kind { return report(.failure(error)) }  // connected, but its pipeline failed
        guard winner == nil else { return }  // the other one won
        if kind == .utp, !tcpStarted {
            // uTP gave up before TCP's turn came: TCP now, alone.
            log("no uTP connection to \(endpoint) (\(error)); trying tcp")
            if !startTCP() { report(.failure(error)) }
            return
        }
        if running == 0 { report(.failure(error)) }
    }

    private func report(_ result: Result<TransportKind, Error>) {
        guard !reported else { return }
        reported = true
        done(result)
    }
}
