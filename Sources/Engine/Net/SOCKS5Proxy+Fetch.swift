internal import NIOPosix

extension SOCKS5Proxy {
    /// Why a download through the proxy gave no file.
    struct FetchError: Error, CustomStringConvertible {
        let description: String
    }

    /// GETs `url` (http or https) through this proxy, for a `.torrent` named by URL, so such
    /// downloads do not go around the proxy either. At most `maxBytes`, within `timeout`.
    func fetch(_ url: String, maxBytes: Int, timeout: Duration = .seconds(30)) async throws(FetchError)
        -> [UInt8] {
        let client = SOCKS5HTTPClient(proxy: self, eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
        let response: SOCKS5HTTPClient.Response
        do {
            response = try await client.get(url, headers: [("User-Agent", "rill")],
                                            limits: .init(timeout: timeout, maxBodyBytes: maxBytes))
        } catch {
            throw FetchError(description: "\(error)")
        }
        guard (200..<300).contains(response.status) else {
            throw FetchError(description: "the server answered HTTP \(response.status)")
        }
        return response.body
    }
}
