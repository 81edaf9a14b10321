#!/usr/bin/env bash
# Where a download's CPU goes: rill fetches SIZE_MB (default 1024) from one libtorrent seeder on
# loopback, once under `perf record` (top symbols, kernel and user) and once under `strace -c -f`
# (system calls per MiB). Needs linux-perf, strace, python3-libtorrent.
# PIECE_SIZE=16k (or 1M, …) sets the torrent's piece size (default: rill create's choice);
# PERF_DATA=path keeps the perf recording there (for `perf report -i path`).
#
#   Benchmarks/profile.sh [SIZE_MB] [RILL_BINARY]      (default: the release build in .build-release)
set -euo pipefail
size_mb=${1:-1024}
root=$(cd "$(dirname "$0")/.." && pwd)
rill=${2:-$root/.build-release/release/rill}
lt_tool="$root/Tests/InteropTests/Scripts/lt_tool.py"
work=$(mktemp -d /tmp/rill-profile.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/seed"
head -c $((size_mb << 20)) /dev/urandom > "$work/seed/payload.bin"
"$rill" create "$work/seed/payload.bin" -o "$work/payload.torrent" --no-date ${PIECE_SIZE:+--piece-size "$PIECE_SIZE"} >/dev/null
/usr/bin/python3 "$lt_tool" seed "$work/payload.torrent" "$work/seed" --seed-mode --listen 127.0.0.2:0 \
    --seconds 3600 > "$work/seeder.log" 2>&1 &
for _ in $(seq 1 300); do grep -q ready "$work/seeder.log" && break; sleep 0.2; done
peer="127.0.0.2:$(sed -n 's/^ready \([0-9]*\)/\1/p' "$work/seeder.log")"
download() {
    rm -rf "$work/dest" "$work/home"; mkdir -p "$work/dest"
    # As throughput.sh: fill and free the page cache the download will use (the VM's first touch of
    # fresh memory otherwise dominates the profile).
    head -c $(((size_mb + 64) << 20)) /dev/zero > "$work/warm"; rm -f "$work/warm"; sync
    RILL_HOME="$work/home" "$@" "$rill" download "$work/payload.torrent" --dir "$work/dest" --port 0 \
        --listen 127.0.0.1 --no-dht --no-lsd --peer "$peer" > "$work/out.txt" 2>&1
}
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
download perf record -F 2000 -g -o "$work/perf.data" --
echo "== top symbols (self, all threads)"
perf report -i "$work/perf.data" --no-children -g none --sort dso,sym --stdio 2>/dev/null | grep -E '^ +[0-9]' | head -40 || true
[[ -z ${PERF_DATA:-} ]] || cp "$work/perf.data" "$PERF_DATA"
echo "== by thread"
perf report -i "$work/perf.data" --no-children -g none --sort comm --stdio 2>/dev/null | grep -E '^ +[0-9]' | head -10 || true
download /usr/bin/time -f "CPU: %U s user, %S s sys, %e s wall, %M KiB peak" -o "$work/time.txt" --
cat "$work/time.txt"
download strace -c -f -o "$work/strace.txt" --
echo "== system calls (per MiB in the last column)"
awk -v mb="$size_mb" 'NR <= 2 || /^-/ {print; next} NF >= 5 {printf "%s  %8.1f/MiB\n", $0, $4 / mb}' "$work/strace.txt" | head -25
