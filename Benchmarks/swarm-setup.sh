# Sourced by peers.sh and upload.sh: the rill builds to compare, a work folder removed on exit
# (with the processes recorded in `pids`), and a random payload of $size_mb MiB with its torrent.
# Expects `size_mb` and `name` to be set; sets root, lt_tool, RILL_BINS, first_bin, work, pids.
root=$(cd "$(dirname "$0")/.." && pwd)
lt_tool="$root/Tests/InteropTests/Scripts/lt_tool.py"
if [[ -z ${RILL_BINS:-} ]]; then
    if [[ -z ${RILL_BIN:-} ]]; then
        (cd "$root" && swift build -c release --product rill --build-path .build-release >/dev/null)
        RILL_BIN="$root/.build-release/release/rill"
    fi
    RILL_BINS="rill=$RILL_BIN"
fi
first_bin=${RILL_BINS%% *}; first_bin=${first_bin#*=}
work=$(mktemp -d "/tmp/rill-$name.XXXXXX")
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/seed"
head -c $((size_mb << 20)) /dev/urandom > "$work/seed/payload.bin"
"$first_bin" create "$work/seed/payload.bin" -o "$work/payload.torrent" --no-date >/dev/null
