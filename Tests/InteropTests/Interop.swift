import Testing

/// Every interop test blocks its thread while real clients run. Run them one at a time, so the
/// rest of the suite's async tests (which share a cooperative pool as small as the core count)
/// keep a thread; in parallel they starved timing-sensitive async tests for over a minute.
@Suite(.serialized) enum Interop {}
