#!/usr/bin/env bash
# Benchmark: `stagegate check` on a ~150 MB bundle mixing JUnit XML, SARIF,
# Cobertura and Trivy JSON, against the native-parse floor: the plugins' own
# parsers run natively (release) on the same files, one after the other.
# Also prints the peak memory of both (/usr/bin/time -v).
#
# Usage: tests/bench/mixed.sh [RUNS]        (PROFILE=dev reuses the test build)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-3}
PROFILE=${PROFILE:-release}
cargo build --quiet --profile "$PROFILE" -p stagegate
cargo build --quiet --release -p stagegate-plugin-junit --example native_parse
cargo build --quiet --release -p stagegate-plugin-sarif --example sarif_facts
cargo build --quiet --release -p stagegate-plugin-coverage --example summarise
DIR=$PROFILE; [ "$PROFILE" = dev ] && DIR=debug
BIN=target/$DIR/stagegate
EX=target/release/examples

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
B="$WORK/bundle"
python3 tests/bench/gen_junit.py "$B/junit" 40
"$EX/sarif_facts" --generate "$B/scan.sarif" 60 >/dev/null
python3 tests/bench/gen_mixed.py "$B" 25 25
# Large text files take the secrets plugin longer than the default 10 s.
cat > "$WORK/stagegate.toml" <<'TOML'
[plugins.secrets]
timeout_ms = 120000
[plugins.sarif]
timeout_ms = 60000
TOML

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
peak() { awk '/Maximum resident set size/ {print $6}' "$1"; }

native() {
  "$EX/native_parse" "$B"/junit/*.xml >/dev/null 2>&1
  "$EX/sarif_facts" "$B/scan.sarif" >/dev/null 2>&1
  "$EX/summarise" "$B/coverage.xml" >/dev/null 2>&1
}
"$BIN" check "$B" --to prod --config "$WORK/stagegate.toml" --cache-dir "$WORK/cache" --format json >/dev/null || true

nt=(); gt=()
for _ in $(seq "$RUNS"); do
  s=$(date +%s.%N); native; nt+=("$(echo "$(date +%s.%N) - $s" | bc)")
  s=$(date +%s.%N)
  "$BIN" check "$B" --to prod --config "$WORK/stagegate.toml" --cache-dir "$WORK/cache" --format json >"$WORK/out.json" || true
  gt+=("$(echo "$(date +%s.%N) - $s" | bc)")
done
/usr/bin/time -v "$BIN" check "$B" --to prod --config "$WORK/stagegate.toml" --cache-dir "$WORK/cache" --format json >/dev/null 2>"$WORK/gate.time" || true
/usr/bin/time -v bash -c "$(declare -f native); EX=$EX B=$B native" 2>"$WORK/native.time" >/dev/null || true

n=$(printf '%s\n' "${nt[@]}" | median); g=$(printf '%s\n' "${gt[@]}" | median)
echo "bundle: $(( $(du -sb "$B" | cut -f1) / 1024 / 1024 )) MiB (JUnit 40, SARIF 60, Cobertura 25, Trivy 25)"
python3 - "$WORK/out.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
print("decision:", j["decision"], "| errors:", j["errors"][:2])
for p in j["plugins"]:
    print(f"  {p['name']:<10} {p['outcome']:<6} artifacts={p['artifacts']}")
PY
echo "native floor (junit+sarif+coverage parsers, release): median ${n} s over $RUNS runs, peak RSS $(peak "$WORK/native.time") KiB"
echo "stagegate check ($PROFILE, all 8 plugins, warm cache): median ${g} s over $RUNS runs, peak RSS $(peak "$WORK/gate.time") KiB"
echo "ratio stagegate / native floor: $(echo "scale=2; $g / $n" | bc)"
