internal import NIOCore
import WireProtocol

/// Hands the reply whose transaction id matches the one awaited to its promise; other datagrams
/// (late, duplicate, forged) are dropped. Socket errors such as ICMP "port unreachable" fail the wait.
final class UDPTransactionHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private var pending: (transactionID: UInt32, promise: EventLoopPromise<[UInt8]?>)?
    /// Datagrams dropped because they answered another transaction (late, duplicate or forged).
    private(set) var mismatched = 0

    /// Waits for `transactionID`; a wait already in progress ends as a timeout.
    func expect(_ transactionID: UInt32, promise: EventLoopPromise<[UInt8]?>) {
        pending?.promise.succeed(nil)
        pending = (transactionID, promise)
    }

    /// The wait for `transactionID` is over without a reply.
    func timeOut(_ transactionID: UInt32) {
        guard let waiting = pending, waiting.transactionID == transactionID else { return }
        pending = nil
        waiting.promise.succeed(nil)
    }

    /// Sending the request for `transactionID` failed.
    func fail(_ transactionID: UInt32, error: any Error) {
        guard let waiting = pending, waiting.transactionID == transactionID else { return }
        pending = nil
        waiting.promise.fail(error)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = Self.unwrapInboundIn(data)
        let bytes = envelope.data.readableBytesView
        guard let waiting = pending, UDPTrackerPacket.transactionID(of: bytes) == waiting.transactionID else {
            mismatched += 1
            return
        }
        pending = nil
        waiting.promise.succeed(Array(bytes))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let waiting = pending else { return }
        pending = nil
        waiting.promise.fail(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let waiting = pending {
            pending = nil
            waiting.promise.fail(ChannelError.ioOnClosedChannel)
        }
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        if let waiting = pending {
            pending = nil
            waiting.promise.fail(ChannelError.ioOnClosedChannel)
        }
    }
}

@available(*, unavailable)
extension UDPTransactionHandler: Sendable {}
