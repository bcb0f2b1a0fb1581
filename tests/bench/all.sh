#!/usr/bin/env bash
# Every performance figure of stagegate in one run, each beside its baseline
# measured in the same run:
#
#   1. the example bundle, whole process: warm, and cold (a fresh cache
#      directory and cache key every run, as on a fresh CI machine);
#   2. 10 MiB of JUnit XML: `check` against the native floor, and the junit
#      plugin alone inside WebAssembly (a gate with every other plugin
#      switched off) against natively, and beside the others in the full check;
#   3. a ~150 MiB mixed bundle (JUnit, SARIF, Cobertura, Trivy): throughput
#      and the ratio to the native floor, every plugin per run;
#   4. checkov 3.3.30 (installed here from PyPI, pinned) against `check` on
#      the 29- and the 2,500-resource Terraform plans;
#   5. scale: 0.1, 0.5 and 1 GB bundles, seconds per GB, and peak RSS
#      against 1.5 × the largest artifact + 128 MiB.
#
# The native floor (tests/bench/floor) is the same work as the gate: every
# file hashed, and every plugin that has artifacts running its own
# `evaluate` natively on the same artifacts, on as many threads as the gate.
# Figures are medians. Nothing here is a test: it prints, it never asserts.
#
# Usage: tests/bench/all.sh [--quick]   (--quick: fewer runs, no 1 GB bundle)
set -euo pipefail
cd "$(dirname "$0")/../.."
QUICK=${1:-}
RUNS=7; BIG_RUNS=3; SCALES="100 500 1000"
if [ "$QUICK" = --quick ]; then RUNS=3; BIG_RUNS=1; SCALES="100 500"; fi

TARGET=${CARGO_TARGET_DIR:-target}
cargo build --quiet --locked --release -p stagegate -p stagegate-bench-floor
cargo build --quiet --locked --release -p stagegate-plugin-sarif --example sarif_facts
BIN=$TARGET/release/stagegate
FLOOR=$TARGET/release/floor
TIMEIT="python3 tests/bench/timeit.py"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export STAGEGATE_CACHE_KEY_FILE="$WORK/cache-key"
field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])$2)" "$1"; }
keys() { python3 -c "import json,sys; print(' '.join(json.loads(sys.argv[1])['plugins']))" "$1"; }
ratio() { python3 -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.2f}')" "$1" "$2"; }
ms() { python3 -c "import sys; print(f'{float(sys.argv[1]) * 1000:.1f} ms')" "$1"; }
# The wall time stagegate reports for plugin $2 in human output $1 (seconds).
plugin_seconds() {
  python3 - "$1" "$2" <<'PY'
import re, statistics, sys
times = [int(m.group(1)) / 1000 for m in re.finditer(
    rf"^  {re.escape(sys.argv[2])}\s+\S+\s+ok\s+\d+ artifact\(s\)\s+(\d+) ms", open(sys.argv[1]).read(), re.M)]
print(statistics.median(times) if times else "nan")
PY
}
check() { "$BIN" check "$1" --to prod --format "${2:-json}" --cache-dir "$WORK/cache"; }

echo "stagegate $("$BIN" --version | cut -d' ' -f2), $(nproc) cores, $(date -u +%F)"
echo

# 1. Fixed cost.
EX=tests/bundles/example
warm=$($TIMEIT 21 -- "$BIN" check "$EX" --to prod --format json --cache-dir "$WORK/cache")
cat > "$WORK/cold.sh" <<SH
#!/bin/sh
d=\$(mktemp -d); STAGEGATE_CACHE_KEY_FILE=\$d/key "$BIN" check "$EX" --to prod --format json --cache-dir "\$d/cache"; c=\$?; rm -rf "\$d"; exit \$c
SH
cat > "$WORK/warm.sh" <<SH
#!/bin/sh
d=\$(mktemp -d); "$BIN" check "$EX" --to prod --format json --cache-dir "$WORK/cache"; c=\$?; rm -rf "\$d"; exit \$c
SH
chmod +x "$WORK/cold.sh" "$WORK/warm.sh"
cold=$($TIMEIT 21 -- "$WORK/cold.sh")
warm_wrapped=$($TIMEIT 21 -- "$WORK/warm.sh")
echo "1. example bundle ($EX), whole process"
echo "   warm:  $(ms "$(field "$warm" "['wall']")") wall, $(ms "$(field "$warm" "['cpu']")") CPU, peak RSS $(( $(field "$warm" "['rss_kib']") / 1024 )) MiB"
echo "   cold:  $(ms "$(field "$cold" "['wall']")") against $(ms "$(field "$warm_wrapped" "['wall']")") warm through the same wrapper:" \
  "+$(ms "$(python3 -c "print($(field "$cold" "['wall']") - $(field "$warm_wrapped" "['wall']"))")")"
echo

# 2. JUnit, 10 MiB.
python3 tests/bench/gen_junit.py "$WORK/junit" 10
gate=$($TIMEIT "$RUNS" -- "$BIN" check "$WORK/junit" --to prod --format json --cache-dir "$WORK/cache")
for _ in $(seq "$RUNS"); do check "$WORK/junit" human >>"$WORK/junit.human" || true; done
floor=$("$FLOOR" "$WORK/junit" "" "$RUNS")
g=$(field "$gate" "['wall']"); f=$(field "$floor" "['floor']")
# The junit plugin alone, as the floor times each plugin alone: a gate with
# every other plugin switched off, and one policy that reads only junit facts.
mkdir -p "$WORK/junit-only"
printf '@id("junit-ran")\n@reason("the junit plugin ran")\npermit(principal, action, resource) when { context.junit.total >= 0 };\n' \
  > "$WORK/junit-only/only.cedar"
{
  echo "policies = \"$WORK/junit-only\""
  for p in $(keys "$floor"); do [ "$p" = junit ] || printf '[plugins.%s]\nenabled = false\n' "$p"; done
} > "$WORK/junit-only.toml"
for _ in $(seq "$RUNS"); do
  "$BIN" check "$WORK/junit" --to prod --format human --cache-dir "$WORK/cache" --config "$WORK/junit-only.toml" >>"$WORK/junit-alone.human" || true
done
wj=$(plugin_seconds "$WORK/junit-alone.human" junit); nj=$(field "$floor" "['plugins']['junit']['seconds']")
wjc=$(plugin_seconds "$WORK/junit.human" junit)
echo "2. 10 MiB of JUnit XML ($(field "$floor" "['files']") files)"
echo "   check $(ms "$g") against the native floor $(ms "$f"): ratio $(ratio "$g" "$f")"
echo "   junit plugin alone: $(ms "$wj") in wasm against $(ms "$nj") natively: ratio $(ratio "$wj" "$nj")"
echo "   junit plugin beside the others in the full check: $(ms "$wjc"), ratio $(ratio "$wjc" "$nj")"
echo "   each plugin in the full check:"
for p in $(keys "$floor"); do
  w=$(plugin_seconds "$WORK/junit.human" "$p"); n=$(field "$floor" "['plugins']['$p']['seconds']")
  echo "     $p: wasm $(ms "$w"), native $(ms "$n"), ratio $(ratio "$w" "$n")"
done
echo

# 3. Mixed, ~150 MiB.
M="$WORK/mixed"
python3 tests/bench/gen_junit.py "$M/junit" 40
"$TARGET/release/examples/sarif_facts" --generate "$M/scan.sarif" 60 >/dev/null
python3 tests/bench/gen_mixed.py "$M" 25 25
gate=$($TIMEIT "$BIG_RUNS" -- "$BIN" check "$M" --to prod --format json --cache-dir "$WORK/cache")
for _ in $(seq "$BIG_RUNS"); do check "$M" human >>"$WORK/mixed.human" || true; done
floor=$("$FLOOR" "$M" "" "$BIG_RUNS")
g=$(field "$gate" "['wall']"); f=$(field "$floor" "['floor']"); bytes=$(field "$floor" "['bytes']")
echo "3. mixed bundle: $(( bytes / 1048576 )) MiB in $(field "$floor" "['files']") files"
echo "   check $(ms "$g"), $(python3 -c "print(f'{$bytes / 1e6 / $g:.0f}')") MB/s; native floor $(ms "$f"), $(python3 -c "print(f'{$bytes / 1e6 / $f:.0f}')") MB/s; ratio $(ratio "$g" "$f")"
echo "   peak RSS $(( $(field "$gate" "['rss_kib']") / 1024 )) MiB"
for p in $(keys "$floor"); do
  w=$(plugin_seconds "$WORK/mixed.human" "$p"); n=$(field "$floor" "['plugins']['$p']['seconds']")
  echo "     $p: wasm $(ms "$w"), native $(ms "$n"), ratio $(ratio "$w" "$n")"
done
echo

# 4. checkov on the same plans.
VENV=$TARGET/bench-venv
if [ ! -x "$VENV/bin/checkov" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check checkov==3.3.30
fi
echo "4. checkov 3.3.30 (-f PLAN --framework terraform_plan) against check, same plan"
for plan in tfc_aws_29-creates tf-1.15_large_2500-foreach; do
  mkdir -p "$WORK/plan-$plan"
  cp "tests/fixtures/terraform-plan/$plan.json" "$WORK/plan-$plan/plan.json"
  gate=$($TIMEIT "$RUNS" -- "$BIN" check "$WORK/plan-$plan" --to prod --format json --cache-dir "$WORK/cache")
  ck=$($TIMEIT 3 --ok 0,1 -- "$VENV/bin/checkov" -f "$WORK/plan-$plan/plan.json" --framework terraform_plan -o json --quiet)
  g=$(field "$gate" "['wall']"); c=$(field "$ck" "['wall']")
  echo "   $plan: check $(ms "$g"), checkov $(ms "$c"): $(ratio "$c" "$g")× faster"
done
echo

# 5. Scale.
echo "5. scale (JUnit 40%, SARIF 20%, Cobertura 20%, Trivy 20%)"
for mb in $SCALES; do
  S="$WORK/scale-$mb"
  python3 tests/bench/gen_junit.py "$S/junit" "$(( mb * 4 / 10 ))"
  "$TARGET/release/examples/sarif_facts" --generate "$S/scan.sarif" "$(( mb * 2 / 10 ))" >/dev/null
  python3 tests/bench/gen_mixed.py "$S" "$(( mb * 2 / 10 ))" "$(( mb * 2 / 10 ))"
  gate=$($TIMEIT 1 -- "$BIN" check "$S" --to prod --format json --cache-dir "$WORK/cache")
  floor=$("$FLOOR" "$S" "" 1)
  bytes=$(field "$floor" "['bytes']"); largest=$(find "$S" -type f -printf '%s\n' | sort -n | tail -1)
  g=$(field "$gate" "['wall']"); f=$(field "$floor" "['floor']"); rss=$(field "$gate" "['rss_kib']")
  bound=$(( (largest * 3 / 2 + 134217728) / 1024 ))
  echo "   $(( bytes / 1000000 )) MB: check $(python3 -c "print(f'{$g:.2f}')") s ($(python3 -c "print(f'{$g / ($bytes / 1e9):.2f}')") s/GB), floor $(python3 -c "print(f'{$f:.2f}')") s, ratio $(ratio "$g" "$f");" \
    "peak RSS $(( rss / 1024 )) MiB, bound $(( bound / 1024 )) MiB (largest artifact $(( largest / 1048576 )) MiB)"
  rm -rf "$S"
done
