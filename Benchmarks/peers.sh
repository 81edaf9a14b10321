#!/usr/bin/env bash
# Memory per connected peer: rill downloads one torrent of SIZE_MB (default 512) from N libtorrent
# seeders at once (each on its own 127.0.0.x, given with --peer), for each N in PEER_COUNTS. While
# it runs, the leecher's anonymous resident memory (RssAnon) and its established connections are
# sampled every 0.2 s; a row gives the median RssAnon while all N peers are connected, the peak,
# wall and CPU time, and the memory per peer above the one-seeder run. Everything stays on loopback.
#
#   Benchmarks/peers.sh [SIZE_MB] [PEER_COUNTS]          e.g. Benchmarks/peers.sh 512 "1 10 30"
#   RILL_BINS="before=PATH after=PATH" REPEAT=3 interleaves builds; RILL_BIN=path measures one build.
#   SEEDER=lite serves from Benchmarks/lite_seeders.py, every seeder in one Python process (for
#   100 or 200 peers, which as libtorrent processes would not fit on two cores); with
#   LITE_RATE_MIB=40 they send 40 MiB/s in all, so every row is sampled over a steady download.
# Needs: python3-libtorrent (not with SEEDER=lite), /usr/bin/time, ss (iproute2).
set -euo pipefail
size_mb=${1:-512}
peer_counts=${2:-"1 10 30"}
name=peers
source "$(dirname "$0")/swarm-setup.sh"
echo "payload: ${size_mb} MiB, 1 MiB pieces; load before: $(cut -d' ' -f1-3 /proc/loadavg)"

sample() { # leecher pid: "rss_kib connections" until it exits
    local pid=$1
    while kill -0 "$pid" 2>/dev/null; do
        local rss conns
        rss=$(awk '/RssAnon/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
        conns=$(ss -Htnp state established 2>/dev/null | grep -c "pid=$pid," || true)
        echo "${rss:-0} $conns"
        sleep 0.2
    done
}

declare -A base
for count in $peer_counts; do
    peers=()
    seeders=()
    if [[ ${SEEDER:-libtorrent} == lite ]]; then
        # One process holds every seeder (Benchmarks/lite_seeders.py), on 127.0.1.1 and up.
        python3 "$(dirname "$0")/lite_seeders.py" "$work/payload.torrent" "$work/seed" "$count" \
            > "$work/lite.log" 2>&1 &
        pids+=($!); seeders+=($!)
        for _ in $(seq 1 300); do [[ $(grep -c ready "$work/lite.log") -ge $count ]] && break; sleep 0.2; done
        while read -r _ address; do peers+=(--peer "$address"); done < <(grep ready "$work/lite.log")
    else
        for i in $(seq 1 "$count"); do
            /usr/bin/python3 "$lt_tool" seed "$work/payload.torrent" "$work/seed" --seed-mode \
                --listen "127.0.0.$((10 + i)):0" --seconds 3600 > "$work/seeder$i.log" 2>&1 &
            pids+=($!); seeders+=($!)
        done
        for i in $(seq 1 "$count"); do
            for _ in $(seq 1 600); do grep -q ready "$work/seeder$i.log" && break; sleep 0.2; done
            peers+=(--peer "127.0.0.$((10 + i)):$(sed -n 's/^ready \([0-9]*\)/\1/p' "$work/seeder$i.log")")
        done
    fi
    echo "$count seeder(s):"
    for round in $(seq 1 "${REPEAT:-1}"); do
        for entry in $RILL_BINS; do
            name=${entry%%=*}; bin=${entry#*=}
            rm -rf "$work/dest" "$work/home"; mkdir -p "$work/dest" "$work/home"
            # Room for every seeder: the defaults allow 80 connections per torrent.
            printf 'max_connections = %d\nmax_connections_per_torrent = %d\n' $((count + 20)) $((count + 10)) \
                > "$work/home/config.toml"
            start=$(date +%s.%N)
            RILL_HOME="$work/home" /usr/bin/time -f "%U %S %M" -o "$work/time.txt" "$bin" download \
                "$work/payload.torrent" --dir "$work/dest" --port 0 --listen 127.0.0.1 --no-dht --no-lsd \
                "${peers[@]}" > "$work/out.txt" 2>&1 &
            timer=$!
            sleep 0.3
            leecher=$(pgrep -P "$timer" | head -1 || true)
            [[ -n $leecher ]] && sample "$leecher" > "$work/samples.txt" &
            sampler=$!
            wait "$timer" || { echo "  $name failed:"; tail -3 "$work/out.txt"; }
            end=$(date +%s.%N)
            wait "$sampler" 2>/dev/null || true
            cmp -s "$work/seed/payload.bin" "$work/dest/payload.bin" || echo "  $name: data differs!"
            read -r user sys _ < "$work/time.txt"
            # Median RssAnon over samples with every peer connected (all samples if none were).
            steady=$(awk -v n="$count" '$2 >= n {print $1}' "$work/samples.txt" | sort -n |
                awk '{a[NR] = $1} END {print (NR ? a[int((NR + 1) / 2)] : 0)}')
            [[ $steady == 0 ]] && steady=$(sort -n "$work/samples.txt" | awk '{a[NR] = $1} END {print (NR ? a[int((NR + 1) / 2)] : 0)}')
            peak=$(sort -n "$work/samples.txt" | tail -1 | cut -d' ' -f1)
            most=$(sort -k2 -n "$work/samples.txt" | tail -1 | cut -d' ' -f2)
            [[ $count == "${peer_counts%% *}" ]] && base[$name]=$steady
            awk -v n="$name" -v c="$count" -v s="$start" -v e="$end" -v u="$user" -v y="$sys" -v st="$steady" \
                -v pk="${peak:-0}" -v mc="${most:-0}" -v b="${base[$name]:-0}" -v first="${peer_counts%% *}" 'BEGIN {
                per = (c > first) ? sprintf("%6.2f MB/peer", (st - b) * 1024 / 1e6 / (c - first)) : "";
                printf "  %-8s %6.2f s %6.2f CPU s  steady %6.1f MiB  peak %6.1f MiB  %4d peers max  %s\n",
                    n, e - s, u + y, st / 1024, pk / 1024, mc, per }'
        done
    done
    echo "  load: $(cut -d' ' -f1-3 /proc/loadavg)"
    for pid in "${seeders[@]}"; do kill "$pid" 2>/dev/null || true; done
    sleep 1
done
