#!/usr/bin/env bash
# Benchmark: `stagegate check` on ~10 MB of generated JUnit XML against a
# native Rust program that parses the same files with the same parser
# (plugins/junit/examples/native_parse.rs), both in one run. Prints the
# median wall times, the ratio, and cold versus warm compile-cache times.
#
# Usage: tests/bench/junit.sh [MB] [RUNS]      (defaults: 10 MB, 5 runs)
set -euo pipefail
cd "$(dirname "$0")/../.."
MB=${1:-10}
RUNS=${2:-5}

# PROFILE=dev reuses the test build (dependencies optimised, the host crate
# not); the default, release, is what a CI job installs.
PROFILE=${PROFILE:-release}
cargo build --quiet --profile "$PROFILE" -p stagegate
cargo build --quiet --release -p stagegate-plugin-junit --example native_parse
DIR=$PROFILE; [ "$PROFILE" = dev ] && DIR=debug
BIN=target/$DIR/stagegate
NATIVE=target/release/examples/native_parse

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
python3 tests/bench/gen_junit.py "$WORK/bundle" "$MB"
FILES=("$WORK"/bundle/*.xml)

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
now() { date +%s.%N; }
elapsed() { echo "$(now) - $1" | bc; }

# Cold compile cache: an empty cache directory, so every plugin is compiled.
cold_dir="$WORK/cache-cold"
t=$(now); "$BIN" check "$WORK/bundle" --to prod --cache-dir "$cold_dir" --format json >/dev/null || true
cold=$(elapsed "$t")
# Warm: the same cache directory again.
t=$(now); "$BIN" check "$WORK/bundle" --to prod --cache-dir "$cold_dir" --format json >/dev/null || true
warm=$(elapsed "$t")

native_times=(); gate_times=()
for _ in $(seq "$RUNS"); do
  t=$(now); "$NATIVE" "${FILES[@]}" >/dev/null 2>&1; native_times+=("$(elapsed "$t")")
  t=$(now); "$BIN" check "$WORK/bundle" --to prod --cache-dir "$cold_dir" --format json >"$WORK/out.json" || true
  gate_times+=("$(elapsed "$t")")
done
native=$(printf '%s\n' "${native_times[@]}" | median)
gate=$(printf '%s\n' "${gate_times[@]}" | median)
size=$(du -sb "$WORK/bundle" | cut -f1)
total=$(python3 -c "import json;print(json.load(open('$WORK/out.json'))['facts']['junit']['total'])")

echo "bundle: $(( size / 1024 / 1024 )) MiB of JUnit XML in ${#FILES[@]} files, $total test cases"
echo "native parse (same parser, release):  median ${native} s over $RUNS runs"
echo "stagegate check ($PROFILE, warm cache): median ${gate} s over $RUNS runs"
echo "ratio stagegate / native:             $(echo "scale=2; $gate / $native" | bc)"
echo "compile cache: cold ${cold} s, warm ${warm} s"
