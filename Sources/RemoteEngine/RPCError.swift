/// Why an RPC call did not succeed, as one sentence for the user.
public enum RPCError: Error, Equatable, CustomStringConvertible {
    /// The server could not be reached or the connection broke.
    case unreachable(String, reason: String)
    /// The server answered with an HTTP status other than 200 (401: wrong credentials).
    case http(status: Int, String)
    /// The answer was not the JSON the RPC spec describes.
    case malformedResponse(String)
    /// The server refused the call; `result` is its own words.
    case refused(method: String, result: String)

    public var description: String {
        switch self {
        case .unreachable(let url, let reason): "cannot reach \(url): \(reason)"
        case .http(401, let url): "\(url) refused the user name or password (HTTP 401)"
        case .http(let status, let url): "\(url) answered HTTP \(status)"
        case .malformedResponse(let reason): "the server's answer is not valid RPC: \(reason)"
        case .refused(let method, let result): "the server refused \(method): \(result)"
        }
    }
}
