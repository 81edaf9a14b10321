#!/usr/bin/env bash
# Measures the CPU the full-screen client uses while idle with N torrents loaded (default 100):
# makes N small torrents with their data (so all of them seed, with no peers), opens `rill` on
# them in a detached tmux terminal of 200x60, lets it settle, then samples the process's CPU
# time over SECONDS seconds (default 30). Loopback only; nothing leaves the machine.
#
#   Benchmarks/ui-idle.sh [N] [SECONDS]
set -euo pipefail
count=${1:-100}
seconds=${2:-30}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/rill-ui-idle.XXXXXX)
socket="rill-ui-idle-$$"
cleanup() { tmux -L "$socket" kill-server 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

swift build -c release --package-path "$root" --product rill >/dev/null
rill="$root/.build/release/rill"

mkdir -p "$work/data" "$work/torrents" "$work/home"
cat > "$work/home/config.toml" <<CONFIG
listen_host = "127.0.0.1"
listen_port = 0
download_dir = "$work/data"
max_active_seeds = 0
[dht]
enabled = false
[lsd]
enabled = false
CONFIG
for i in $(seq 1 "$count"); do
    head -c $((64 * 1024 + i)) /dev/urandom > "$work/data/file-$i.bin"
    "$rill" create "$work/data/file-$i.bin" -o "$work/torrents/t$i.torrent" --piece-size 16k >/dev/null
done

tmux -L "$socket" -f /dev/null new-session -d -s idle -x 200 -y 60 \
    "env RILL_HOME='$work/home' '$rill' $work/torrents/*.torrent --dir '$work/data'"
pid=""
for _ in $(seq 1 100); do
    pid=$(pgrep -f "^$rill $work/torrents" | head -n1 || true)
    [[ -n $pid ]] && break
    sleep 0.1
done
[[ -n $pid ]] || { echo "rill did not start"; exit 1; }
sleep 10  # let every torrent be checked and the screen settle
shown=$(tmux -L "$socket" capture-pane -p -t idle | grep -c "seeding" || true)
ticks=$(getconf CLK_TCK)
read -r -a before < "/proc/$pid/stat"
sleep "$seconds"
read -r -a after < "/proc/$pid/stat"
used=$(( (after[13] + after[14]) - (before[13] + before[14]) ))
rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
awk -v used="$used" -v ticks="$ticks" -v s="$seconds" -v n="$count" -v rows="$shown" -v rss="$rss" 'BEGIN {
    printf "rill UI idle with %d torrents (%d rows seeding on screen): %.2f%% of one core over %d s, RSS %.1f MiB\n",
        n, rows, 100 * used / ticks / s, s, rss / 1024 }'
