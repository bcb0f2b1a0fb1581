#!/usr/bin/env bash
# Runs every fuzz target in turn, SECONDS each (default 600), on one core,
# growing fuzz/corpus/<target>/. Crashes, timeouts and out-of-memory inputs land
# in fuzz/artifacts/<target>/; copy each into tests/fuzz-regressions/<target>/
# once it is fixed. Prints one summary line per target from libFuzzer's own
# final statistics. Usage: fuzz/run-all.sh [SECONDS] [TARGET...]
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(sniff manifest metadata evaluation glob redact junit coverage sarif vulns terraform kubernetes config secrets yaml pipeline dockerfile provenance attestation decision_log)
fi
dict_for() {
    case $1 in
        junit|coverage) echo "-dict=fuzz/dict/xml.dict" ;;
        sarif|vulns|terraform|provenance|attestation|decision_log) echo "-dict=fuzz/dict/json.dict" ;;
        kubernetes|config|yaml|pipeline) echo "-dict=fuzz/dict/yaml.dict" ;;
        *) echo "" ;;
    esac
}
mkdir -p target/fuzz-logs
cargo +nightly fuzz build -s none --features libfuzzer >/dev/null || exit 2
for t in "${targets[@]}"; do
    log=target/fuzz-logs/$t.log
    # -malloc_limit_mb: a single allocation past the plugins' default memory
    # cap (512 MiB) is a finding; -rss_limit_mb bounds the whole process.
    # shellcheck disable=SC2046
    cargo +nightly fuzz run -s none --features libfuzzer "$t" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=512 \
        -print_final_stats=1 $(dict_for "$t") >"$log" 2>&1
    rc=$?
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*')
    ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*')
    found=$(ls "fuzz/artifacts/$t" 2>/dev/null | wc -l)
    echo "$t: rc=$rc seconds=$seconds execs=${execs:-?} cov=${cov:-?} ft=${ft:-?} artifacts=$found"
done
