#!/usr/bin/env bash
# Restoring a saved session of N torrents (default 1000) with `rill daemon`: seconds until all are
# in the snapshot (checked from resume data, complete), idle CPU and RSS per torrent with all but
# ACTIVE (default 10) queued, `torrent-get` p50 with the fields of `transmission-remote -l`, and the
# time to add N torrents over the RPC one by one to an empty daemon (at most ADD_TIMEOUT s, default
# 600; 0 skips it). Builds rill in release once (.build-release) unless RILL_BIN is given.
# Loopback only; the session and data stay in WORK (default a temp folder, removed afterwards).
#
#   Benchmarks/many.sh [N] [IDLE_SECONDS]
#   RILL_BINS="before=PATH after=PATH" REPEAT=3 interleaves builds on the same saved session;
#   WORK=/tmp/many-1000 keeps the saved session for later runs.
set -euo pipefail
count=${1:-1000}
idle=${2:-20}
root=$(cd "$(dirname "$0")/.." && pwd)
if [[ -z ${RILL_BINS:-} ]]; then
    if [[ -z ${RILL_BIN:-} ]]; then
        swift build -c release --package-path "$root" --build-path "$root/.build-release" --product rill >/dev/null
        RILL_BIN="$root/.build-release/release/rill"
    fi
    RILL_BINS="rill=$RILL_BIN"
fi
if [[ -n ${WORK:-} ]]; then
    mkdir -p "$WORK"; work=$WORK
else
    work=$(mktemp -d /tmp/rill-many.XXXXXX)
    trap 'rm -rf "$work"' EXIT
fi
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
# shellcheck disable=SC2086
python3 "$root/Benchmarks/many.py" "$work" "$count" --bins $RILL_BINS --repeat "${REPEAT:-3}" \
    --idle-seconds "$idle" --active "${ACTIVE:-10}" --add-timeout "${ADD_TIMEOUT:-600}"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
