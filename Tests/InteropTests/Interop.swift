import Testing

/// Every interop test blocks its thread while real clients run. They run one at a time, and on
/// threads of their own (`.blockingAllowed`), so the rest of the suite's async tests keep the whole
/// cooperative pool (as small as the core count): blocking it starved timing-sensitive async tests
/// for over a minute, and one blocked thread of two slowed every other test.
@Suite(.serialized, .blockingAllowed) enum Interop {}
