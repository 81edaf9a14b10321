#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TorrentCore
import WireProtocol

/// Looks up a host name's addresses of one family (blocking: call it off the event loop). NIO's
/// resolver returns only the first address of any family, which would leave the IPv4 DHT node
/// without routers on a host that prefers IPv6.
enum HostResolver {
    static func addresses(of host: String, family: PeerAddressFamily) -> [String] {
        var hints = addrinfo()
        hints.ai_family = family == .ipv4 ? AF_INET : AF_INET6
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        #else
        hints.ai_socktype = SOCK_DGRAM
        #endif
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else { return [] }
        defer { freeaddrinfo(first) }
        var out: [String] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor, out.count < 8 {
            cursor = entry.pointee.ai_next
            guard let address = entry.pointee.ai_addr else { continue }
            if family == .ipv4, entry.pointee.ai_family == AF_INET {
                let bytes = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                    withUnsafeBytes(of: pointer.pointee.sin_addr) { Array($0) }
                }
                out.append(IPAddressText.ipv4(bytes))
            } else if family == .ipv6, entry.pointee.ai_family == AF_INET6 {
                let bytes = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                    withUnsafeBytes(of: pointer.pointee.sin6_addr) { Array($0) }
                }
                out.append(IPAddressText.ipv6(bytes))
            }
        }
        var seen: Set<String> = []
        return out.filter { seen.insert($0).inserted }
    }
}
