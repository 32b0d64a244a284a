#!/usr/bin/env bash
# Scans the service's TLS listener with testssl.sh (Debian package testssl.sh, tested with 3.0.8).
#
# Builds the jar and starts the service on a free port of 127.0.0.1 with a new self-signed
# certificate. Then runs testssl.sh against 127.0.0.1 only, with no DNS lookups and no CRL or OCSP
# downloads, keeps its reports and prints every finding of severity LOW or higher. Exits 0 when
# there is none, 1 when there is one, and 2 when the scan itself failed.
#
# usage: bench/tls-scan.sh [--cert ecdsa|rsa] [--out DIR] [--no-build]
#   --cert      key type of the throwaway certificate (default ecdsa)
#   --out       folder for the reports (default target/tls-scan/CERT)
#   --no-build  use the existing target/secure-pets-api.jar
#
# Needs PostgreSQL and Redis, see bench/local-service.sh for their settings.
set -euo pipefail
source "$(dirname "$0")/local-service.sh"

cert=ecdsa
out=
build=true
while (($#)); do
  case $1 in
    --cert) cert=${2:?--cert needs ecdsa or rsa}; shift 2 ;;
    --out) out=${2:?--out needs a folder}; shift 2 ;;
    --no-build) build=false; shift ;;
    -h | --help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "error: unknown option '$1'; see --help" >&2; exit 64 ;;
  esac
done
case $cert in ecdsa | rsa) ;; *) echo "error: --cert is '$cert': use ecdsa or rsa" >&2; exit 64 ;; esac
out=${out:-$BENCH_ROOT/target/tls-scan/$cert}

testssl=$(command -v testssl.sh || command -v testssl || true)
if [[ -z $testssl ]]; then
  echo "error: testssl.sh is not installed: apt-get install -y testssl.sh" >&2
  exit 2
fi

# Findings that come from the throwaway self-signed certificate rather than from the service's
# TLS configuration, as "testssl id<TAB>reason". They are listed in the summary, but do not fail it.
certificate_findings=$(cat <<'EOF'
cert_chain_of_trust	self-signed test certificate, so no CA vouches for it
cert_revocation	a test certificate names no CRL or OCSP responder
OCSP_stapling	a test certificate has no OCSP responder whose answer could be stapled
certificate_transparency	a self-signed certificate is not in any CT log
DNS_CAArecord	DNS lookups are off, and localhost has no CAA record
EOF
)

rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d /tmp/pets-tls-scan.XXXXXX)
trap 'bench_cleanup; rm -rf "$work"' EXIT

if $build; then
  bench_build
fi
bench_certificate "$cert" "$work"
bench_create_database
bench_export_settings "$work"
bench_start "$work"

bench_log "running testssl against 127.0.0.1:$BENCH_PORT with the $cert certificate (takes a few minutes)"
# --ip and --nodns=none keep every probe on 127.0.0.1 and skip DNS. Without --phone-out, testssl
# downloads no CRL and queries no OCSP responder. "localhost" is only the SNI name and Host header.
set +e
(cd "$work" && "$testssl" --quiet --color 0 --warnings off --nodns=none --ip=127.0.0.1 \
  --connect-timeout 5 --openssl-timeout 10 \
  --logfile "$out/testssl.log" --jsonfile "$out/testssl.json" --csvfile "$out/testssl.csv" \
  "localhost:$BENCH_PORT") >/dev/null 2>"$out/testssl.stderr"
testssl_status=$?
set -e
cp "$work/service.err" "$out/service.err"

if ! jq -e 'type == "array" and length > 0' "$out/testssl.json" >/dev/null 2>&1; then
  echo "error: testssl.sh wrote no JSON report (exit $testssl_status); see $out/testssl.log and $out/testssl.stderr" >&2
  exit 2
fi

# testssl.sh's severities, lowest first: DEBUG, INFO, OK, LOW, MEDIUM, HIGH, CRITICAL. WARN and FATAL
# mean that a check could not run.
jq -r --arg ignored "$certificate_findings" '
  ($ignored | split("\n") | map(select(length > 0) | split("\t") | {key: .[0], value: .[1]}) | from_entries) as $reasons
  | .[]
  | select(.severity | IN("LOW", "MEDIUM", "HIGH", "CRITICAL", "WARN", "FATAL"))
  | [(if $reasons[.id] then "certificate" elif (.severity | IN("WARN", "FATAL")) then "scan-error" else "finding" end),
     .severity, .id, .finding, ($reasons[.id] // "")]
  | @tsv' "$out/testssl.json" >"$out/findings.tsv"

version=$(sed -n 's/^## version testssl: \([^ ]*\).*/\1/p' "$out/testssl.log" | head -n 1)
printf 'TLS scan of 127.0.0.1:%s with the %s certificate, testssl.sh %s\n' "$BENCH_PORT" "$cert" "$version"
{
  printf 'class\tseverity\tid\tfinding\treason\n'
  cat "$out/findings.tsv"
} >"$out/summary.tsv"
column -t -s $'\t' "$out/summary.tsv" || cat "$out/summary.tsv"

failures=$(grep -cE '^(finding|scan-error)' "$out/findings.tsv" || true)
bench_log "reports in $out"
if ((failures > 0)); then
  echo "FAIL: $failures finding(s) of severity LOW or higher, or checks that did not run" >&2
  exit 1
fi
echo "PASS: no finding of severity LOW or higher (certificate-only findings are listed above)"
