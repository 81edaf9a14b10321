import Foundation
internal import NIOCore
internal import NIOPosix

/// Short human wording for socket-level errors ("connection refused", "host name not found").
enum NetworkErrorText {
    static func describe(_ error: any Error) -> String {
        if let error = error as? NIOConnectionError {
            if let first = error.connectionErrors.first { return describe(first.error) }
            if error.dnsAError != nil || error.dnsAAAAError != nil { return "host name \(error.host) not found" }
            return "could not connect to \(error.host):\(error.port)"
        }
        if let error = error as? IOError { return errnoText(error.errnoCode) }
        if let error = error as? SocketAddressError {
            switch error {
            case .unknown(let host, _): return "host name \(host) not found"
            default: return "address error: \(error)"
            }
        }
        if let error = error as? ChannelError {
            switch error {
            case .connectTimeout: return "connection timed out"
            case .ioOnClosedChannel, .alreadyClosed, .eof: return "the connection closed"
            default: return "\(error)"
            }
        }
        return String(describing: error)
    }

    static func errnoText(_ code: CInt) -> String {
        switch code {
        case ECONNREFUSED: "connection refused"
        case ECONNRESET: "connection reset"
        case EHOSTUNREACH: "host unreachable"
        case ENETUNREACH: "network unreachable"
        case ETIMEDOUT: "connection timed out"
        case EADDRNOTAVAIL: "address not available"
        default: String(cString: strerror(code)).lowercased()
        }
    }
}
