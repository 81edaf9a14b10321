#!/usr/bin/env bash
# Times a real download over loopback: one torrent of SIZE_MB (default 1024) served by 1 and by 4
# libtorrent seeders found through a local opentracker, fetched by rill, by libtorrent's Python
# client and by aria2c in the same run. Reports wall time, CPU seconds and peak memory of each.
# Needs: python3-libtorrent, aria2, opentracker, /usr/bin/time. Everything stays on 127.0.0.1.
#
#   Benchmarks/throughput.sh [SIZE_MB] [SEEDER_COUNTS]      e.g. Benchmarks/throughput.sh 1024 "1 4"
#   SKIP_LIBTORRENT=1 leaves out libtorrent's Python client (slow on loopback: minutes per GiB);
#   SKIP_ARIA2=1 leaves out aria2c; RILL_BIN=path measures that rill binary instead of building one;
#   RILL_BINS="before=PATH after=PATH" REPEAT=3 interleaves several builds, each run REPEAT times;
#   PIECE_SIZE=16k (or 1M, …) sets the torrent's piece size (default: rill create's choice).
set -euo pipefail
size_mb=${1:-1024}
seeder_counts=${2:-"1 4"}
root=$(cd "$(dirname "$0")/.." && pwd)
lt_tool="$root/Tests/InteropTests/Scripts/lt_tool.py"

# RILL_BIN=path compares another build (say, of an earlier commit) in the same setup.
if [[ -n ${RILL_BIN:-} ]]; then
    rill=$RILL_BIN
else
    (cd "$root" && swift build -c release --product rill >/dev/null)
    rill="$root/.build/release/rill"
fi
export RILL_HOME="$(mktemp -d /tmp/rill-throughput-home.XXXXXX)"

work=$(mktemp -d /tmp/rill-throughput.XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/seed" "$work/tracker"
echo "payload: ${size_mb} MiB of random data, pieces of ${PIECE_SIZE:-the default size}; load $(cut -d' ' -f1-3 /proc/loadavg)"
head -c $((size_mb << 20)) /dev/urandom > "$work/seed/payload.bin"

tracker_port=$((30000 + RANDOM % 20000))
"$rill" create "$work/seed/payload.bin" -o "$work/payload.torrent" --no-date ${PIECE_SIZE:+--piece-size "$PIECE_SIZE"} \
    --tracker "http://127.0.0.1:$tracker_port/announce" >/dev/null
hash=$("$rill" info --json "$work/payload.torrent" | sed -n 's/.*"info_hash" : "\([0-9a-f]*\)".*/\1/p')
echo "$hash" > "$work/tracker/whitelist"
chmod -R a+rX "$work"
opentracker -i 127.0.0.1 -p "$tracker_port" -P "$tracker_port" -d "$work/tracker" -w whitelist >/dev/null 2>&1 &
pids+=($!)
sleep 1

measure() { # name, then the command; prints one table row
    local name=$1; shift
    rm -rf "$work/dest"; mkdir -p "$work/dest"
    # Fill and free as much page cache as the download will use, so no client pays alone for the
    # virtual machine's first touch of fresh memory (it showed up as 2-3 CPU s per GiB).
    head -c $(((size_mb + 64) << 20)) /dev/zero > "$work/warm"; rm -f "$work/warm"
    sync
    local start end
    start=$(date +%s.%N)
    /usr/bin/time -f "%U %S %M" -o "$work/time.txt" "$@" >"$work/out.txt" 2>&1 || { echo "$name failed:"; tail -5 "$work/out.txt"; return; }
    end=$(date +%s.%N)
    read -r user sys rss < "$work/time.txt"
    if ! cmp -s "$work/seed/payload.bin" "$work/dest/payload.bin"; then echo "$name: data differs!"; fi
    awk -v n="$name" -v s="$start" -v e="$end" -v u="$user" -v y="$sys" -v m="$rss" -v mb="$size_mb" 'BEGIN {
        t = e - s; printf "  %-12s %7.2f s %8.1f MiB/s %7.2f CPU s %7.2f CPU s/GiB %8.0f MiB peak\n",
            n, t, mb / t, u + y, (u + y) / (mb / 1024), m / 1024 }'
}

for count in $seeder_counts; do
    echo "$count seeder(s):"
    seeders=()
    for i in $(seq 1 "$count"); do
        /usr/bin/python3 "$lt_tool" seed "$work/payload.torrent" "$work/seed" --listen "127.0.0.1:0" \
            --seconds 3600 > "$work/seeder$i.log" 2>&1 &
        pids+=($!); seeders+=($!)
    done
    for i in $(seq 1 "$count"); do
        for _ in $(seq 1 600); do grep -q ready "$work/seeder$i.log" && break; sleep 0.5; done
    done
    sleep 2  # let the seeders announce
    for round in $(seq 1 "${REPEAT:-1}"); do
        for entry in ${RILL_BINS:-rill=$rill}; do
            measure "${entry%%=*}" "${entry#*=}" download "$work/payload.torrent" --dir "$work/dest" --port 0 \
                --listen 127.0.0.1 --no-dht --no-lsd
        done
        # The other clients run in every round too, so each round is one interleaved comparison.
        [[ -n ${SKIP_LIBTORRENT:-} ]] || measure libtorrent /usr/bin/python3 "$lt_tool" download "$work/payload.torrent" "$work/dest" \
            --listen 127.0.0.1:0 --seconds 1800
        [[ -n ${SKIP_ARIA2:-} ]] || measure aria2c aria2c --dir="$work/dest" --seed-time=0 --enable-dht=false --bt-enable-lpd=false \
            --enable-peer-exchange=false --file-allocation=none --console-log-level=error --summary-interval=0 \
            --listen-port=$((tracker_port + 1)) "$work/payload.torrent"
    done
    for pid in "${seeders[@]}"; do kill "$pid" 2>/dev/null || true; done
    sleep 1
done
