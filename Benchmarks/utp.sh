#!/usr/bin/env bash
# uTP (BEP 29) throughput on loopback: SIZE_MB (default 256) of random data from one libtorrent
# seeder, fetched over uTP by rill and by libtorrent's own uTP client (the seeder and both
# leechers have TCP switched off), then over TCP by rill from a TCP-only libtorrent seeder.
# Reports wall time, CPU seconds and peak memory of each leecher, and the load average before each
# round; with RUNS=N the three run interleaved N times and the medians close the report.
# Needs: python3-libtorrent, /usr/bin/time. Everything stays on 127.0.0.0/8.
#
#   Benchmarks/utp.sh [SIZE_MB]          RILL_BIN=path measures that rill binary instead of building one
#                                        RUNS=3 for medians of three interleaved rounds
set -euo pipefail
size_mb=${1:-256}
runs=${RUNS:-1}
root=$(cd "$(dirname "$0")/.." && pwd)
lt_tool="$root/Tests/InteropTests/Scripts/lt_tool.py"
if [[ -n ${RILL_BIN:-} ]]; then
    rill=$RILL_BIN
else
    (cd "$root" && swift build -c release --product rill >/dev/null)
    rill="$root/.build/release/rill"
fi
export RILL_HOME="$(mktemp -d /tmp/rill-utp-home.XXXXXX)"
work=$(mktemp -d /tmp/rill-utp.XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work" "$RILL_HOME"
}
trap cleanup EXIT

mkdir -p "$work/seed"
echo "payload: ${size_mb} MiB of random data"
head -c $((size_mb << 20)) /dev/urandom > "$work/seed/payload.bin"
"$rill" create "$work/seed/payload.bin" -o "$work/payload.torrent" --no-date >/dev/null

start_seeder() { # address, extra lt_tool flags...; the port goes to $work/port-ADDRESS
    local address=$1; shift
    /usr/bin/python3 "$lt_tool" seed "$work/payload.torrent" "$work/seed" --listen "$address:0" --seconds 3600 "$@" \
        > "$work/seeder-$address.log" 2>&1 &
    pids+=($!)   # not in a $(...) subshell, so the trap can stop it
    for _ in $(seq 1 600); do grep -q ready "$work/seeder-$address.log" && break; sleep 0.5; done
    sed -n 's/^ready \([0-9]*\)/\1/p' "$work/seeder-$address.log" > "$work/port-$address"
}

measure() { # name, then the command; prints one row
    local name=$1; shift
    rm -rf "$work/dest"; mkdir -p "$work/dest"
    local start end
    start=$(date +%s.%N)
    /usr/bin/time -f "%U %S %M" -o "$work/time.txt" "$@" >"$work/out.txt" 2>&1 || { echo "  $name failed:"; tail -5 "$work/out.txt"; return; }
    end=$(date +%s.%N)
    read -r user sys rss < "$work/time.txt"
    if ! cmp -s "$work/seed/payload.bin" "$work/dest/payload.bin"; then echo "  $name: data differs!"; fi
    awk -v n="$name" -v s="$start" -v e="$end" -v u="$user" -v y="$sys" -v m="$rss" -v mb="$size_mb" 'BEGIN {
        t = e - s; printf "  %-22s %7.2f s %8.1f MiB/s %7.2f CPU s %8.0f MiB peak\n", n, t, mb / t, u + y, m / 1024 }' \
        | tee -a "$work/rows.txt"
}

start_seeder 127.0.0.41 --utp-only
start_seeder 127.0.0.42
utp_port=$(cat "$work/port-127.0.0.41")
tcp_port=$(cat "$work/port-127.0.0.42")
echo "uTP-only libtorrent seeder on 127.0.0.41:$utp_port, TCP-only one on 127.0.0.42:$tcp_port"
rill_args=(--dir "$work/dest" --port 0 --listen 127.0.0.1 --no-dht --no-lsd --no-trackers)
for round in $(seq 1 "$runs"); do
    echo "round $round, load $(cut -d' ' -f1-3 /proc/loadavg)"
    measure "rill over uTP" "$rill" download "$work/payload.torrent" "${rill_args[@]}" --peer "127.0.0.41:$utp_port"
    measure "libtorrent over uTP" /usr/bin/python3 "$lt_tool" download "$work/payload.torrent" "$work/dest" \
        --listen 127.0.0.43:0 --peer "127.0.0.41:$utp_port" --seconds 1800 --utp-only
    measure "rill over TCP" "$rill" download "$work/payload.torrent" "${rill_args[@]}" --no-utp --peer "127.0.0.42:$tcp_port"
done
if ((runs > 1)); then
    echo "medians of $runs rounds:"
    for name in "rill over uTP" "libtorrent over uTP" "rill over TCP"; do
        grep -F "  $name " "$work/rows.txt" | awk -v n="$name" '{
            t[NR] = $(NF-9); c[NR] = $(NF-5); m[NR] = $(NF-2) }
            function median(a, count,   i, j, x) {
                for (i = 2; i <= count; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
                return count % 2 ? a[(count + 1) / 2] : (a[count / 2] + a[count / 2 + 1]) / 2 }
            END { if (NR) printf "  %-22s %7.2f s %7.2f CPU s %8.0f MiB peak\n", n, median(t, NR), median(c, NR), median(m, NR) }'
    done
fi
