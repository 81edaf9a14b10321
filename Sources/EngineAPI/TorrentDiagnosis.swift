/// "Why is it slow?" for one torrent: the bottleneck named in one sentence, with the facts
/// that show it. The engine decides; front ends only show it.
public struct TorrentDiagnosis: Sendable, Equatable {
    /// A stable name for the cause ("noPeersKnown", "chokedByAll", "rateLimit", …), for tests and scripts.
    public var cause: String
    public var sentence: String
    public var evidence: [String]

    public init(cause: String, sentence: String, evidence: [String] = []) {
        self.cause = cause
        self.sentence = sentence
        self.evidence = evidence
    }
}
