#!/usr/bin/env bash
# RPC latency and the daemon's idle cost: `torrent-get` (the fields of transmission-remote -l)
# p50/p99 with N torrents, and idle CPU and RSS. Loopback only.
#   RILL_BIN=.build/release/rill Benchmarks/rpc.sh [N=1000] [IDLE_SECONDS=30]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${RILL_BIN:-.build/release/rill}
count=${1:-1000}
idle=${2:-30}
home=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
RILL_HOME="$home" "$bin" daemon --dir "$home/dl" --port 0 --listen 127.0.0.1 --no-dht --no-lsd --rpc-port "$port" \
    >"$home/log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$home"' EXIT
for _ in $(seq 100); do grep -q "rill daemon ready" "$home/log" && break; sleep 0.1; done
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 Benchmarks/rpc.py "$port" "$pid" "$count" --idle-seconds "$idle"
