#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A blocking IPv4 UDP socket for poking a DHT node from a test; every receive has a timeout.
final class UDPProbe {
    private let fd: Int32

    init(host: String) throws {
        fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw TimedOut(description: "cannot open a UDP socket") }
        var address = Self.address(host: host, port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw TimedOut(description: "cannot bind \(host)") }
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    private static func address(host: String, port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &address.sin_addr)
        return address
    }

    func send(_ bytes: [UInt8], to host: String, port: Int) {
        var address = Self.address(host: host, port: port)
        _ = bytes.withUnsafeBytes { buffer in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, buffer.baseAddress, buffer.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
    }

    /// Every datagram that arrives until `seconds` pass with nothing new (at most `limit`).
    func receiveAll(quietFor seconds: Double = 0.5, limit: Int = 10_000) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var lastArrival = Date()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while out.count < limit && Date().timeIntervalSince(lastArrival) < seconds {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count > 0 {
                out.append(Array(buffer[0..<count]))
                lastArrival = Date()
            }
        }
        return out
    }
}
