#!/usr/bin/env bash
# Builds rill's libFuzzer targets (once) and runs each for N seconds on a scratch copy of its
# committed corpus in Fuzz/Corpus/<target>/ (with Fuzz/Dictionaries/<target>.dict when there is
# one), so a run never changes the repository.
#
#   Fuzz/run.sh [--seconds N] [--debug] [TARGET...]     (default: 30 seconds, every target)
#
# Prints the executions per target. Exits non-zero when any target crashed, trapped, tripped a
# sanitizer or an invariant, or hung; its reproducers are saved in Fuzz/Findings/<target>/ and
# replay with `Fuzz/.build/release/fuzz-<target> FILE`. `--debug` builds without optimisation
# into Fuzz/.build-debug: about a third of the build time, 2-6 times fewer executions (for CI).
set -euo pipefail
cd "$(dirname "$0")"

usage() { sed -n '2,12s/^# \{0,1\}//p' "$0"; }

seconds=30
config=release
scratch=.build
requested=()
while (($#)); do
    case "$1" in
        --seconds) seconds="${2:?--seconds needs a number}"; shift 2 ;;
        --seconds=*) seconds="${1#--seconds=}"; shift ;;
        --debug) config=debug; scratch=.build-debug; shift ;;
        -h|--help) usage; exit 0 ;;
        -*) echo "run.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
        *) requested+=("$1"); shift ;;
    esac
done
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "run.sh: --seconds takes whole seconds, not '$seconds'" >&2; exit 2; }

all=()
for dir in Sources/*/; do
    name=$(basename "$dir")
    [[ "$name" == FuzzSupport ]] || all+=("$name")
done
if ((${#requested[@]} == 0)); then requested=("${all[@]}"); fi
for target in "${requested[@]}"; do
    [[ -d "Sources/$target" && "$target" != FuzzSupport ]] || {
        echo "run.sh: no target '$target'; the targets are: ${all[*]}" >&2
        exit 2
    }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/rill-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT

build=(swift build -c "$config" --scratch-path "$scratch" -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library)
echo "== building: ${build[*]}"
started=$SECONDS
if ! "${build[@]}" >"$work/build.log" 2>&1; then
    cat "$work/build.log" >&2
    echo "run.sh: the build failed" >&2
    exit 1
fi
# gold warns once per target about an ASan symbol it cannot export; harmless.
grep -v -e "__asan_extra_spill_area" "$work/build.log" | tail -1
bin=$("${build[@]}" --show-bin-path)
echo "== built in $((SECONDS - started)) s"

# Swift's own crash backtracer would run for tens of seconds before libFuzzer saves the input.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:symbolize=1}"

failed=()
total=0
printf '== %s s per target\n' "$seconds"
for target in "${requested[@]}"; do
    corpus="$work/$target/corpus"
    artifacts="$work/$target/artifacts"
    mkdir -p "$corpus" "$artifacts"
    if [[ -d "Corpus/$target" ]]; then cp -R "Corpus/$target/." "$corpus/"; fi
    log="$work/$target/log"
    options=(-max_total_time="$seconds" -print_final_stats=1 -timeout=20 -rss_limit_mb=2048 -artifact_prefix="$artifacts/")
    # Tokens of the format (keys, header names) that random mutation would rarely spell.
    if [[ -f "Dictionaries/$target.dict" ]]; then options+=(-dict="Dictionaries/$target.dict"); fi
    status=0
    "$bin/fuzz-$target" "$corpus" "${options[@]}" >"$log" 2>&1 || status=$?
    executions=$(awk '/stat::number_of_executed_units/ { print $2 }' "$log" | tail -1)
    executions=${executions:-0}
    total=$((total + executions))
    coverage=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2 || true)
    if ((status != 0)) || [[ -n "$(ls -A "$artifacts")" ]]; then
        failed+=("$target")
        mkdir -p "Findings/$target"
        cp "$artifacts"/* "Findings/$target/" 2>/dev/null || true
        cp "$log" "Findings/$target/log.txt"
        printf '%-14s %12s executions  FAILED (exit %s); reproducers in Fuzz/Findings/%s/\n' \
            "$target" "$executions" "$status" "$target"
        grep -v '^#' "$log" | grep -v -e '^INFO:' -e '^stat::' | head -40 | sed 's/^/    /'
    else
        printf '%-14s %12s executions  %6s edges  ok\n' "$target" "$executions" "${coverage:-?}"
    fi
done
printf '%-14s %12s executions\n' "total" "$total"
if ((${#failed[@]})); then echo "== findings in: ${failed[*]}" >&2; fi
# One closing line in the form test runners use, so CI logs count the targets.
echo "fuzz: $((${#requested[@]} - ${#failed[@]})) passed, ${#failed[@]} failed"
((${#failed[@]} == 0))
