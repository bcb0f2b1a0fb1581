#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ from the project's real fixtures (tests/fixtures,
# copied from ../shared/fixtures/real and other real tool output). Files over
# 256 KiB are left out: they slow every execution, and the replay test runs
# every fixture whole anyway. Targets whose first input byte chooses a format
# (coverage, vulns, config) get that byte prepended. Idempotent: files are
# named by their sha256.
set -euo pipefail
cd "$(dirname "$0")/.."
fixtures=tests/fixtures
max=$((256 * 1024))

add() { # add TARGET FILE [PREFIX-BYTE-OCTAL]
    local target=$1 file=$2 prefix=${3:-}
    [ "$(stat -c %s "$file")" -le "$max" ] || return 0
    mkdir -p "fuzz/corpus/$target"
    local tmp
    tmp=$(mktemp)
    { [ -n "$prefix" ] && printf "\\$prefix"; cat "$file"; } > "$tmp"
    mv "$tmp" "fuzz/corpus/$target/$(sha256sum "$tmp" | cut -c1-40)"
}

for f in $(find "$fixtures" -type f ! -name SOURCES.md | sort); do
    add sniff "$f"
    add secrets "$f"
    add redact "$f"
done
for f in "$fixtures"/junit/*.xml; do add junit "$f"; done
for f in "$fixtures"/coverage/*; do
    case $f in
        *.lcov|*.info) add coverage "$f" 002 ;;
        *jacoco*) add coverage "$f" 001 ;;
        *.xml) add coverage "$f" 000 ;;
    esac
done
for f in "$fixtures"/sarif/*.sarif "$fixtures"/sarif/*.json; do [ -f "$f" ] && add sarif "$f"; done
for f in "$fixtures"/trivy/*.json; do add vulns "$f" 000; done
for f in "$fixtures"/grype/*.json; do add vulns "$f" 001; done
for f in "$fixtures"/cyclonedx/*.json; do add vulns "$f" 002; done
for f in "$fixtures"/pip-audit/*.json; do add vulns "$f" 003; done
for f in "$fixtures"/terraform-plan/*.json; do add terraform "$f"; done
for f in "$fixtures"/k8s/*; do
    case $f in *.yaml|*.yml|*.json) add kubernetes "$f"; add yaml "$f" ;; esac
done
for f in "$fixtures"/config/*; do
    case $f in
        *.yaml|*.yml) add config "$f" 000; add yaml "$f" ;;
        *.json) add config "$f" 001 ;;
        *.toml) add config "$f" 002 ;;
        *.env) add config "$f" 003 ;;
        *.ini) add config "$f" 004 ;;
        *.properties) add config "$f" 005 ;;
        *.py) add config "$f" 006 ;;
        *.conf) add config "$f" 007 ;;
    esac
done
for f in tests/bundles/*/stagegate-bundle.toml; do [ -f "$f" ] && add manifest "$f"; done
printf '[[artifact]]\npath = "reports/junit.xml"\nkind = "junit-xml"\n\n[[artifact]]\npath = "./a b/\xc3\xbc.yaml"\nkind = "sarif"\n' > /tmp/stagegate-manifest-seed
add manifest /tmp/stagegate-manifest-seed
for g in '**/*.xml' 'reports/**/junit-*.xml' '{a,b}/*.{json,sarif}' '[!.]*/**' '**/.env.*'; do
    printf '%s\nreports/a/junit-1.xml' "$g" > /tmp/stagegate-glob-seed
    add glob /tmp/stagegate-glob-seed
done
for f in "$fixtures"/pipeline/github/*; do
    case $f in
        *_action.yml) add pipeline "$f" 001; add yaml "$f" ;;
        *) add pipeline "$f" 000; add yaml "$f" ;;
    esac
done
for f in "$fixtures"/pipeline/gitlab/*; do add pipeline "$f" 002; add yaml "$f"; done
for f in "$fixtures"/dockerfile/*.Dockerfile; do add dockerfile "$f"; done
for f in "$fixtures"/provenance/*.json "$fixtures"/provenance/*.jsonl "$fixtures"/provenance/public/*.json; do
    [ -f "$f" ] || continue
    add provenance "$f"
    add attestation "$f"
done
# A decision attestation and a decision log that stagegate itself wrote.
for f in fuzz/seeds/attestation/*; do add attestation "$f"; done
for f in fuzz/seeds/decision_log/*; do add decision_log "$f"; done
for t in metadata evaluation; do
    mkdir -p "fuzz/corpus/$t"
    head -c 4096 /dev/urandom > "fuzz/corpus/$t/random-seed"
done
for t in fuzz/corpus/*; do echo "$(basename "$t"): $(ls "$t" | wc -l) files, $(du -sh "$t" | cut -f1)"; done
