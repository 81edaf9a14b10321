internal import NIOCore

extension Session {
    /// The UDP port of the session's DHT node, or nil when the DHT is off.
    public var dhtPort: Int? {
        get async {
            let core = self.core
            return try? await core.loop.submit { (core.dht ?? core.dht6)?.port }.get()
        }
    }
}
