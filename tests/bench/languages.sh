#!/usr/bin/env bash
# Benchmark: one plugin per language, all from `stagegate plugin new` (the
# same licence check), measured side by side in one run on the scaffold's
# sample bundle: component size, build time, a check that compiles the
# component (no cache), a check that loads its precompiled artifact, and the
# plugin's own evaluation time from the report. Ratios are against Rust.
#
# Needs cargo (wasm32-wasip2), componentize-py 0.25.1 on PATH, node and npm,
# clang with wasi-libc.
# Usage: tests/bench/languages.sh [RUNS]      (default 3; medians)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-3}
PROFILE=${PROFILE:-release}
cargo build --quiet --profile "$PROFILE" -p stagegate
DIR=$PROFILE; [ "$PROFILE" = dev ] && DIR=debug
BIN=$PWD/target/$DIR/stagegate

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
now() { date +%s.%N; }
elapsed() { echo "$(now) - $1" | bc; }

declare -A SIZE BUILD COLD PRE EVAL
for lang in rust python js c; do
    name=bench_$lang
    (cd "$WORK" && "$BIN" plugin new "$name" --lang "$lang" >/dev/null)
    project=$WORK/$name
    t=$(now)
    out=$(cd "$project" && CARGO_TARGET_DIR="$project/target" "$BIN" plugin build)
    BUILD[$lang]=$(elapsed "$t")
    wasm=$(sed -n 's/^component: //p' <<<"$out")
    digest=$(sed -n 's/^sha256: *//p' <<<"$out")
    SIZE[$lang]=$(stat -c %s "$wasm")
    "$BIN" plugin compile "$wasm" -o "$project/plugin.cwasm" >/dev/null
    cdigest=$(sha256sum "$project/plugin.cwasm" | cut -c1-64)
    sed -e "s|^path = .*|path = \"$wasm\"|" -e "s/0\{64\}/$digest/" "$project/stagegate.toml" > "$project/pinned.toml"
    awk -v c="$cdigest" -v p="$project/plugin.cwasm" \
        '{print} /^sha256 = / {print "precompiled = \"" p "\""; print "precompiled_sha256 = \"" c "\""}' \
        "$project/pinned.toml" > "$project/precompiled.toml"
    cold=(); pre=(); eval=()
    for _ in $(seq "$RUNS"); do
        t=$(now); "$BIN" check "$project/bundle" --to prod --no-cache --config "$project/pinned.toml" --format json >/dev/null || true
        cold+=("$(elapsed "$t")")
        t=$(now); human=$("$BIN" check "$project/bundle" --to prod --no-cache --config "$project/precompiled.toml" || true)
        pre+=("$(elapsed "$t")")
        # The plugins table of the human report: "  NAME VERSION ok N artifact(s)  MS ms  ...".
        eval+=("$(grep -E "^  $name +[0-9.]+ +ok" <<<"$human" | grep -oE '[0-9]+ ms' | grep -oE '[0-9]+')")
    done
    COLD[$lang]=$(printf '%s\n' "${cold[@]}" | median)
    PRE[$lang]=$(printf '%s\n' "${pre[@]}" | median)
    EVAL[$lang]=$(printf '%s\n' "${eval[@]}" | median)
done

printf '%-8s %12s %9s %12s %14s %9s\n' language size_bytes build_s check_cold_s check_precomp_s eval_ms
for lang in rust python js c; do
    printf '%-8s %12s %9.1f %12.2f %14.2f %9s\n' "$lang" "${SIZE[$lang]}" "${BUILD[$lang]}" "${COLD[$lang]}" "${PRE[$lang]}" "${EVAL[$lang]}"
done
for lang in python js c; do
    printf '%s vs rust: size x%.0f, cold check x%.1f, precompiled check x%.1f\n' "$lang" \
        "$(echo "${SIZE[$lang]} / ${SIZE[rust]}" | bc -l)" \
        "$(echo "${COLD[$lang]} / ${COLD[rust]}" | bc -l)" \
        "$(echo "${PRE[$lang]} / ${PRE[rust]}" | bc -l)"
done
echo "profile: $PROFILE; runs: $RUNS (medians); build includes fetching toolchain dependencies on a first run"
