internal import NIOCore
import TorrentCore
import WireProtocol

/// How a session uses Message Stream Encryption (MSE/PE).
public enum EncryptionPolicy: String, Sendable, CaseIterable {
    /// Plaintext only: encrypted handshakes are refused.
    case disabled
    /// Accept both kinds of incoming connection; connect in plaintext, and encrypted to a peer
    /// that hung up on a plaintext handshake. An incoming encrypted handshake that also offers
    /// plaintext goes on in plaintext after it (as libtorrent's default does: RC4 on every byte
    /// was a third of a seeder's CPU).
    case enabled
    /// Connect encrypted (offering RC4 and plaintext), accept both kinds.
    case preferred
    /// RC4 only, both ways.
    case required
}

/// The first handler of a peer connection: passes a plaintext BitTorrent handshake through
/// untouched, or runs the encrypted handshake and from then on decrypts what arrives and
/// encrypts what leaves. Writes made before the encrypted handshake ends wait for it.
final class EncryptionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Stage {
        /// Incoming: waiting for enough bytes to tell plaintext from an encrypted handshake.
        case detecting
        case responding(MSEResponder)
        case initiating(MSEInitiator)
        case encrypted(encryptor: RC4, decryptor: RC4)
        case plaintext
        case failed
    }

    private var stage: Stage
    private var received: [UInt8] = []
    private var waitingWrites: [(ByteBuffer, EventLoopPromise<Void>?)] = []
    private let policy: EncryptionPolicy
    private let connection: PeerConnection
    private let knownTorrents: () -> [InfoHash]
    private static let protocolPrefix: [UInt8] = [19] + Array("BitTorrent protocol".utf8)

    /// For a connection we accept: plaintext or encrypted, as the peer chooses and `policy` allows.
    init(incoming connection: PeerConnection, policy: EncryptionPolicy, knownTorrents: @escaping () -> [InfoHash]) {
        self.connection = connection
        self.policy = policy
        self.knownTorrents = knownTorrents
        stage = .detecting
    }

    /// For a connection we open with an encrypted handshake for `infoHash`.
    init(outgoing connection: PeerConnection, infoHash: InfoHash, policy: EncryptionPolicy) {
        self.connection = connection
        self.policy = policy
        knownTorrents = { [infoHash] }
        var generator = SystemRandomNumberGenerator()
        let offered: MSECrypto.Methods = policy == .required ? .rc4 : [.rc4, .plaintext]
        stage = .initiating(MSEInitiator(keys: MSECrypto.KeyPair(using: &generator), infoHash: infoHash, offered: offered))
    }

    private var accepted: MSECrypto.Methods { policy == .required ? .rc4 : [.rc4, .plaintext] }

    private static func padding() -> [UInt8] {
        (0..<Int.random(in: 0...64)).map { _ in UInt8.random(in: 0...255) }
    }

    // MARK: - Inbound

    func channelActive(context: ChannelHandlerContext) {
        if case .initiating(let initiator) = stage {
            var buffer = context.channel.allocator.buffer(capacity: 160)
            buffer.writeBytes(initiator.opening(padding: Self.padding()))
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        switch stage {
        case .plaintext:
            context.fireChannelRead(data)
        case .encrypted(let encryptor, var decryptor):
            let readable = buffer.readableBytes
            buffer.withUnsafeMutableReadableBytes { raw in
                decryptor.apply(raw.bindMemory(to: UInt8.self))
            }
            precondition(buffer.readableBytes == readable)
            stage = .encrypted(encryptor: encryptor, decryptor: decryptor)
            context.fireChannelRead(wrapInboundOut(buffer))
        case .failed:
            break
        case .detecting:
            received += buffer.readBytes(length: buffer.readableBytes) ?? []
            let prefix = Self.protocolPrefix
            if received.count < prefix.count, received.elementsEqual(prefix.prefix(received.count)) { return }
            if received.starts(with: prefix) {
                guard policy != .required else { return fail(context, "a plaintext handshake, but encryption is required") }
                become(.plaintext, context: context, deliver: received)
            } else {
                guard policy != .disabled else { return fail(context, "an encrypted handshake, but encryption is off") }
                var generator = SystemRandomNumberGenerator()
                stage = .responding(MSEResponder(keys: MSECrypto.KeyPair(using: &generator), padding: Self.padding(),
                                                 accepted: accepted, knownTorrents: knownTorrents(),
                                                 prefersPlaintext: policy == .enabled))
                let bytes = received
                received = []
                advance(context, bytes)
            }
        case .responding, .initiating:
            advance(context, buffer.readBytes(length: buffer.readableBytes) ?? [])
        }
    }

    /// Feeds handshake bytes to whichever side we play.
    private func advance(_ context: ChannelHandlerContext, _ bytes: [UInt8]) {
        let step: (send: [UInt8], outcome: MSEOutcome?)
        do {
            switch stage {
            case .responding(var responder):
                step = try responder.receive(bytes)
                stage = .responding(responder)
            case .initiating(var initiator):
                step = try initiator.receive(bytes)
                stage = .initiating(initiator)
            default:
                return
            }
        } catch {
            return fail(context, error.description)
        }
        if !step.send.isEmpty {
            var out = context.channel.allocator.buffer(capacity: step.send.count)
            out.writeBytes(step.send)
            context.writeAndFlush(wrapOutboundOut(out), promise: nil)
        }
        guard let outcome = step.outcome else { return }
        if outcome.method == .rc4, let encryptor = outcome.encryptor, let decryptor = outcome.decryptor {
            connection.isEncrypted = true
            become(.encrypted(encryptor: encryptor, decryptor: decryptor), context: context, deliver: outcome.received)
        } else {
            become(.plaintext, context: context, deliver: outcome.received)
        }
    }

    /// Settles on a mode, sends the writes that waited for it, and passes on `bytes`.
    private func become(_ next: Stage, context: ChannelHandlerContext, deliver bytes: [UInt8]) {
        stage = next
        let writes = waitingWrites
        waitingWrites = []
        for (buffer, promise) in writes { write(context: context, data: NIOAny(buffer), promise: promise) }
        if !writes.isEmpty { context.flush() }
        if !bytes.isEmpty {
            var buffer = context.channel.allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            context.fireChannelRead(wrapInboundOut(buffer))
            context.fireChannelReadComplete()
        }
        if case .plaintext = next { context.pipeline.syncOperations.removeHandler(context: context, promise: nil) }
    }

    private func fail(_ context: ChannelHandlerContext, _ reason: String) {
        stage = .failed
        for (_, promise) in waitingWrites { promise?.fail(ChannelError.ioOnClosedChannel) }
        waitingWrites = []
        connection.close(reason: "encrypted handshake failed: \(reason)")
        context.close(promise: nil)
    }

    // MARK: - Outbound

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch stage {
        case .plaintext:
            context.write(data, promise: promise)
        case .encrypted(var encryptor, let decryptor):
            var buffer = unwrapOutboundIn(data)
            var copy = context.channel.allocator.buffer(capacity: buffer.readableBytes)
            copy.writeBuffer(&buffer)
            copy.withUnsafeMutableReadableBytes { raw in encryptor.apply(raw.bindMemory(to: UInt8.self)) }
            stage = .encrypted(encryptor: encryptor, decryptor: decryptor)
            context.write(wrapOutboundOut(copy), promise: promise)
        case .failed:
            promise?.fail(ChannelError.ioOnClosedChannel)
        case .detecting, .responding, .initiating:
            waitingWrites.append((unwrapOutboundIn(data), promise))
        }
    }

    func flush(context: ChannelHandlerContext) {
        switch stage {
        case .plaintext, .encrypted: context.flush()
        default: break
        }
    }
}
