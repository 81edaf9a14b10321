#!/usr/bin/env bash
# Memory of a `rill seed` under hostile load on loopback: a peer flooding 1,000,000 block
# requests without reading, and 500 idle handshaken connections (from 500 addresses in 127/8).
# Prints the seeder's resident memory before, at the peak, and after the load ends.
#
#   Benchmarks/flood.sh [RILL_BINARY]      (default: a release build of this checkout)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rill=${1:-}
if [[ -z $rill ]]; then (cd "$root" && swift build -c release --product rill >/dev/null); rill="$root/.build/release/rill"; fi
work=$(mktemp -d /tmp/rill-flood.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/seed"
head -c $((64 << 20)) /dev/urandom > "$work/seed/flood.bin"
"$rill" create "$work/seed/flood.bin" -o "$work/flood.torrent" --piece-size 256k --no-date >/dev/null
hash=$("$rill" info --json "$work/flood.torrent" | sed -n 's/.*"info_hash" : "\([0-9a-f]*\)".*/\1/p')
rss() { awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$1/status"; }

run() { # title, then flood.py arguments after HOST PORT HASH
    local title=$1; shift
    RILL_HOME="$work/home" "$rill" seed "$work/flood.torrent" --dir "$work/seed" --port 0 --listen 127.0.0.1 \
        --no-dht --no-lsd --no-trackers > "$work/seed.log" 2>&1 &
    local seeder=$!
    for _ in $(seq 1 200); do grep -q "listening on port" "$work/seed.log" && break; sleep 0.1; done
    local port; port=$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' "$work/seed.log")
    sleep 1
    local before; before=$(rss $seeder)
    /usr/bin/python3 "$root/Benchmarks/flood.py" "$1" 127.0.0.1 "$port" "$hash" "${@:2}" > "$work/flood.log" 2>&1 &
    local flooder=$! peak=$before
    while kill -0 $flooder 2>/dev/null; do
        local now; now=$(rss $seeder); (( now > peak )) && peak=$now; sleep 0.2
    done
    sleep 3
    local after; after=$(rss $seeder)
    printf "  %-34s before %4d MiB  peak %4d MiB  after %4d MiB  (%s)\n" "$title" "$before" "$peak" "$after" "$(tail -1 "$work/flood.log")"
    kill -TERM $seeder; wait $seeder 2>/dev/null || true
}

echo "rill seed, 64 MiB torrent, $("$rill" --version 2>/dev/null || echo "$rill")"
run "1,000,000 requests, never read" requests 256 262144 1000000
run "500 idle connections for 20 s" idle 500 20
