/// Why an RPC request could not be carried out; its description is the `result` string the
/// client shows (Transmission's protocol has no error codes, JSON-RPC 2.0 gets `code`).
struct RPCError: Error, CustomStringConvertible {
    enum Kind {
        case invalidRequest, unknownMethod, invalidArgument, failed
    }

    let kind: Kind
    let description: String

    init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }

    static func argument(_ text: String) -> RPCError { RPCError(.invalidArgument, text) }

    /// The JSON-RPC 2.0 error code.
    var code: Int {
        switch kind {
        case .invalidRequest: -32600
        case .unknownMethod: -32601
        case .invalidArgument: -32602
        case .failed: 1
        }
    }
}
