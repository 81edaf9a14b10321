#!/usr/bin/env bash
# Upload: one seeder serves a torrent of SIZE_MB (default 256) to LEECHERS libtorrent leechers
# (default 4, each on its own 127.0.0.x, each told only the seeder's address). The seeder is rill
# (`rill seed`) or libtorrent (lt_tool.py seed), run in turn; a row gives the wall time until every
# leecher is complete, the aggregate upload rate and the seeder's CPU seconds (from /proc).
#
#   Benchmarks/upload.sh [SIZE_MB] [LEECHERS]
#   RILL_BINS="before=PATH after=PATH" REPEAT=3 interleaves builds (libtorrent runs once per round);
#   RILL_BIN=path measures one build. LEECHER_CLIENT=rill makes the leechers `rill download`s (of the
#   first build) instead, as in "one rill seed serving 10/30/60 rill leechers" (SKIP_LT_SEEDER=1 leaves
#   out the libtorrent seeder). Needs python3-libtorrent. Everything stays on loopback.
set -euo pipefail
size_mb=${1:-256}
leechers=${2:-4}
name=upload
source "$(dirname "$0")/swarm-setup.sh"
echo "payload: ${size_mb} MiB, 1 MiB pieces, $leechers ${LEECHER_CLIENT:-libtorrent} leechers; load before: $(cut -d' ' -f1-3 /proc/loadavg)"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

measure() { # name, seeder pid, seeder address
    local name=$1 seeder=$2 address=$3 leecher_pids=()
    local ticks_before; ticks_before=$(cpu_ticks "$seeder")
    local start; start=$(date +%s.%N)
    for i in $(seq 1 "$leechers"); do
        rm -rf "$work/dest$i" "$work/lhome$i"; mkdir -p "$work/dest$i"
        if [[ ${LEECHER_CLIENT:-libtorrent} == rill ]]; then
            RILL_HOME="$work/lhome$i" "$first_bin" download "$work/payload.torrent" --dir "$work/dest$i" --port 0 \
                --listen "127.0.0.$((20 + i))" --no-dht --no-lsd --peer "$address" > "$work/leecher$i.log" 2>&1 &
        else
            /usr/bin/python3 "$lt_tool" download "$work/payload.torrent" "$work/dest$i" --listen "127.0.0.$((20 + i)):0" \
                --peer "$address" --seconds 900 > "$work/leecher$i.log" 2>&1 &
        fi
        leecher_pids+=($!)
    done
    local failed=0
    for pid in "${leecher_pids[@]}"; do wait "$pid" || failed=1; done
    local end; end=$(date +%s.%N)
    local ticks_after; ticks_after=$(cpu_ticks "$seeder")
    for i in $(seq 1 "$leechers"); do
        cmp -s "$work/seed/payload.bin" "$work/dest$i/payload.bin" || { echo "  $name: leecher $i data differs"; failed=1; }
    done
    awk -v n="$name" -v s="$start" -v e="$end" -v t=$((ticks_after - ticks_before)) -v hz="$(getconf CLK_TCK)" \
        -v mb=$((size_mb * leechers)) -v f=$failed 'BEGIN {
        printf "  %-10s %7.2f s %8.1f MiB/s delivered %6.2f seeder CPU s %s\n", n, e - s, mb / (e - s), t / hz,
            (f ? "(FAILED)" : "") }'
    echo "    load: $(cut -d' ' -f1-3 /proc/loadavg)"
}

for round in $(seq 1 "${REPEAT:-1}"); do
    lt_seeder=libtorrent=; [[ -n ${SKIP_LT_SEEDER:-} ]] && lt_seeder=
    for entry in $RILL_BINS $lt_seeder; do
        name=${entry%%=*}; bin=${entry#*=}
        rm -f "$work/seeder.log"
        if [[ $name == libtorrent ]]; then
            /usr/bin/python3 "$lt_tool" seed "$work/payload.torrent" "$work/seed" --seed-mode --listen 127.0.0.2:0 \
                --seconds 3600 > "$work/seeder.log" 2>&1 &
            seeder=$!
            for _ in $(seq 1 300); do grep -q ready "$work/seeder.log" && break; sleep 0.2; done
            port=$(sed -n 's/^ready \([0-9]*\)/\1/p' "$work/seeder.log")
        else
            rm -rf "$work/home"
            RILL_HOME="$work/home" "$bin" seed "$work/payload.torrent" --dir "$work/seed" --port 0 \
                --listen 127.0.0.2 --no-dht --no-lsd --no-trackers > "$work/seeder.log" 2>&1 &
            seeder=$!
            for _ in $(seq 1 600); do grep -q "listening on port" "$work/seeder.log" && break; sleep 0.2; done
            port=$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' "$work/seeder.log")
            sleep 1 # the check of the data (page-cache hot) ends before the first leecher arrives
        fi
        pids+=($seeder)
        measure "$name" "$seeder" "127.0.0.2:$port"
        kill "$seeder" 2>/dev/null || true; wait "$seeder" 2>/dev/null || true
    done
done
