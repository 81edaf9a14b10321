import Foundation
import SwarmLogic

/// The largest uTP payload worth probing for towards a peer: the MTU of the interface that reaches
/// it (loopback's for 127.0.0.0/8 and ::1, else the largest of the other interfaces, read once from
/// `/sys/class/net/*/mtu`), less the IP, UDP and uTP headers and room for a selective ack, and
/// never more than a datagram the socket reads whole, nor more than 1,500 bytes of IP packet:
/// a uTP peer reads into buffers sized for Ethernet (measured: libtorrent 2.0.8 on loopback never
/// acknowledged a 5,280-byte probe, and since uTP cannot cut a sent packet in two, the probe's
/// resend never arrived either and the connection died). So probing gains at most the few bytes
/// between 1,400 and the Ethernet payload; a larger `packetSizeCeiling` works between rill peers.
struct UTPPacketSizeCeiling: Sendable {
    /// The largest IP packet a uTP peer is known to take whole.
    static let peerPacketLimit = 1500
    /// Room for the largest selective-ack extension rill sends (2 bytes of header, 32 of mask).
    static let selectiveAckRoom = 34

    let loopbackMTU: Int
    let networkMTU: Int
    let datagramLimit: Int

    init(datagramLimit: Int, interfaces: String = "/sys/class/net") {
        self.datagramLimit = datagramLimit
        var loopback = 65536
        var network = 1500
        let names = (try? FileManager.default.contentsOfDirectory(atPath: interfaces)) ?? []
        var others: [Int] = []
        for name in names {
            guard let text = try? String(contentsOfFile: "\(interfaces)/\(name)/mtu", encoding: .utf8),
                  let mtu = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), mtu >= 576 else { continue }
            if name == "lo" { loopback = mtu } else { others.append(mtu) }
        }
        if let largest = others.max() { network = largest }
        loopbackMTU = loopback
        networkMTU = network
    }

    /// The probing ceiling for a peer at `host` (an IP literal).
    func payload(towards host: String) -> Int {
        let ipv6 = host.contains(":")
        let isLoopback = host.hasPrefix("127.") || host == "::1"
        let mtu = min(Self.peerPacketLimit, isLoopback ? loopbackMTU : networkMTU)
        let byInterface = mtu - UTPPathMTU.headerOverhead(ipv6: ipv6) - Self.selectiveAckRoom
        // A datagram as long as the read slice may have been cut: the socket drops those.
        let byReads = datagramLimit - 1 - 20 - Self.selectiveAckRoom
        return max(UTPPathMTU.safePayload, min(byInterface, byReads))
    }
}
