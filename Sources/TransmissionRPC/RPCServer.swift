import EngineAPI
import NIOCore
import NIOHTTP1
import NIOPosix

/// Where and how the RPC listens.
public struct RPCServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 9091
    public var policy = RPCAccessPolicy()
    /// The largest request body accepted (a base64 `.torrent` of a few megabytes fits).
    public var maxRequestBytes = 16 << 20

    public init(host: String = "127.0.0.1", port: Int = 9091, policy: RPCAccessPolicy = RPCAccessPolicy(),
                maxRequestBytes: Int = 16 << 20) {
        self.host = host
        self.port = port
        self.policy = policy
        self.maxRequestBytes = maxRequestBytes
    }

    /// Loopback only: 127.0.0.0/8, ::1 or localhost.
    public var isLoopbackOnly: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}

/// Why the RPC server would not start.
public enum RPCServerError: Error, CustomStringConvertible {
    case credentialsRequired(host: String)
    case cannotListen(host: String, port: Int, reason: String)

    public var description: String {
        switch self {
        case .credentialsRequired(let host):
            "refusing to serve the RPC on \(host) without a user name and password: set rpc_username and "
                + "rpc_password (or --rpc-username/--rpc-password), or bind to 127.0.0.1"
        case .cannotListen(let host, let port, let reason): "cannot serve the RPC on \(host):\(port): \(reason)"
        }
    }
}

/// The Transmission RPC over HTTP/1.1 (SwiftNIO's codec), serving one `RPCService`.
public final class RPCServer: Sendable {
    private let channel: Channel
    public let service: RPCService
    /// The port it listens on (useful when 0 was asked for).
    public let port: Int

    private init(channel: Channel, service: RPCService) {
        self.channel = channel
        self.service = service
        self.port = channel.localAddress?.port ?? 0
    }

    /// Starts listening; refuses a non-loopback address without credentials.
    public static func start(service: RPCService, configuration: RPCServerConfiguration,
                             group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> RPCServer {
        if !configuration.isLoopbackOnly && !configuration.policy.requiresCredentials {
            throw RPCServerError.credentialsRequired(host: configuration.host)
        }
        let policy = configuration.policy
        let limit = configuration.maxRequestBytes
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline(withErrorHandling: true).flatMap {
                    channel.pipeline.addHandler(RPCHTTPHandler(service: service, policy: policy, maxBodyBytes: limit))
                }
            }
        do {
            let channel = try await bootstrap.bind(host: configuration.host, port: configuration.port).get()
            return RPCServer(channel: channel, service: service)
        } catch {
            throw RPCServerError.cannotListen(host: configuration.host, port: configuration.port, reason: "\(error)")
        }
    }

    /// Stops listening (open connections finish their answers).
    public func close() async {
        try? await channel.close()
    }
}
