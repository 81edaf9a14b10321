/// Settings of the session's Mainline DHT node (BEP 5).
public struct DHTSettings: Sendable {
    /// Off by default for library users; the command line turns it on.
    public var enabled = false
    /// UDP port; nil uses the TCP listen port, 0 lets the system choose.
    public var port: Int?
    /// `HOST:PORT` of nodes to join the DHT through when the saved table does not suffice.
    public var bootstrapNodes: [String] = []
    /// Where the routing table is saved on shutdown and read at start; nil keeps none.
    public var stateFile: String?

    /// The well-known public routers, for users' real runs (never for tests).
    public static let publicRouters = [
        "router.bittorrent.com:6881", "router.utorrent.com:6881", "dht.transmissionbt.com:6881",
        "dht.libtorrent.org:25401",
    ]

    public init() {}
}
