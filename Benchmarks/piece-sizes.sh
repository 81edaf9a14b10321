#!/usr/bin/env bash
# The small-pieces pair: the same download (SIZE_MB, default 1024, from one libtorrent seeder) with
# 16 KiB and with 1 MiB pieces, alternating ROUNDS times (default 3), through throughput.sh.
# Prints each run's row; compare the medians. RILL_BINS / RILL_BIN as for throughput.sh.
#
#   Benchmarks/piece-sizes.sh [SIZE_MB] [ROUNDS]
set -euo pipefail
size_mb=${1:-1024}
rounds=${2:-3}
here=$(cd "$(dirname "$0")" && pwd)
for round in $(seq 1 "$rounds"); do
    for piece_size in 16k 1M; do
        echo "round $round, pieces of $piece_size, load $(cut -d' ' -f1-3 /proc/loadavg)"
        PIECE_SIZE=$piece_size SKIP_LIBTORRENT=1 SKIP_ARIA2=1 "$here/throughput.sh" "$size_mb" 1 | grep -v '^payload\|seeder(s):'
    done
done
