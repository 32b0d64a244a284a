#!/usr/bin/env bash
# Overloads the service on 127.0.0.1 with wrk and checks that it sheds the excess quickly.
#
# Builds the jar and starts the service with the rate limits raised, so that only the in-flight
# limit (PETS_MAX_IN_FLIGHT) rejects requests. Seeds a user and a pet, then runs wrk against
# GET /v1/pets/{id} in four phases, sampling the service's RSS every second:
#   1. warm-up: 20 s, so that the JIT has compiled the hot paths;
#   2. capacity: 64 connections for 15 s, as fast as the service responds;
#   3. overload: CONNECTIONS connections for DURATION seconds, each pausing before each request
#      so that together they offer about twice the capacity, with responses counted by status;
#   4. after: the capacity run again, 10 s after the overload, to compare latency.
# Then checks that the process is alive and its RSS stayed under the bound. It also checks that
# the overload got only 2xx, 429 and 503 responses with at most 1 % timeouts, which wrk counts for
# responses that arrive after more than 2 s, and that latency after the load is back near the
# capacity run. Exits 0 when every check passes and 1 otherwise. Every run is bounded in time and
# targets 127.0.0.1 only.
#
# The pause is CONNECTIONS / (2 * capacity) seconds, which ignores latency, so the rate reached is
# lower while responses are slow, and during the first seconds, when the service completes the
# TLS handshakes of all connections at once.
#
# usage: bench/overload.sh [--no-build] [--out DIR] [--connections N] [--duration SECONDS]
#                          [--max-in-flight N] [--rss-limit-mb MB]
#   --connections    connections of the overload phase (default 2000)
#   --duration       seconds of the overload phase (default 60)
#   --max-in-flight  PETS_MAX_IN_FLIGHT of the service (default: the service's default)
#   --rss-limit-mb   largest accepted RSS of the service in MB (default 1024)
#   --out            folder for the results (default target/overload)
#   --no-build       use the existing target/secure-pets-api.jar
#
# The JVM runs with BENCH_JAVA_OPTIONS (default -Xmx576m, 75 % of the 768 MiB memory limit in
# deploy/deployment.yaml). Needs wrk, PostgreSQL and Redis; see bench/local-service.sh.
set -euo pipefail
source "$(dirname "$0")/local-service.sh"

build=true
out=$BENCH_ROOT/target/overload
connections=2000
duration=60
max_in_flight=
rss_limit_mb=1024
capacity_connections=64
capacity_seconds=15
while (($#)); do
  case $1 in
    --no-build) build=false; shift ;;
    --out) out=${2:?--out needs a folder}; shift 2 ;;
    --connections) connections=${2:?--connections needs a number}; shift 2 ;;
    --duration) duration=${2:?--duration needs seconds}; shift 2 ;;
    --max-in-flight) max_in_flight=${2:?--max-in-flight needs a number}; shift 2 ;;
    --rss-limit-mb) rss_limit_mb=${2:?--rss-limit-mb needs a number}; shift 2 ;;
    -h | --help) sed -n '2,32p' "$0"; exit 0 ;;
    *) echo "error: unknown option '$1'; see --help" >&2; exit 64 ;;
  esac
done
for tool in wrk curl jq psql openssl python3; do
  if ! command -v "$tool" >/dev/null; then
    echo "error: $tool is not installed (wrk: apt-get install -y wrk)" >&2
    exit 2
  fi
done

# wrk needs a file descriptor per connection, and the service one per accepted connection.
ulimit -n "$(ulimit -Hn)"
if [[ $(ulimit -n) != unlimited ]] && (($(ulimit -n) < connections + 1024)); then
  echo "error: the open-file limit is $(ulimit -n), too low for $connections connections:" \
    "raise the hard limit (ulimit -Hn) to at least $((connections + 1024))" >&2
  exit 2
fi

mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out"/*
work=$(mktemp -d /tmp/pets-overload.XXXXXX)
sampler=
cleanup() {
  if [[ -n $sampler ]]; then
    kill "$sampler" 2>/dev/null || true
  fi
  bench_cleanup
  rm -rf "$work"
}
trap cleanup EXIT

if $build; then
  bench_build
fi
bench_certificate ecdsa "$work"
bench_create_database
bench_export_settings "$work"
# Raise every rate limit, with one-second windows so that Redis keeps few entries per key.
export PETS_LIMIT_GLOBAL=1000000000 PETS_LIMIT_GLOBAL_WINDOW_SECONDS=1
export PETS_SUSPICIOUS_THRESHOLD=1000000000 PETS_SUSPICIOUS_WINDOW_SECONDS=1
export PETS_LOG_FORMAT=json
if [[ -n $max_in_flight ]]; then
  export PETS_MAX_IN_FLIGHT=$max_in_flight
fi
export BENCH_JAVA_OPTIONS=${BENCH_JAVA_OPTIONS:--Xmx576m}
bench_start "$work"

# Samples the RSS in kB every second as "seconds since start<TAB>kB" until the process exits.
(
  start=$SECONDS
  while rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$BENCH_PID/status" 2>/dev/null) && [[ -n $rss ]]; do
    printf '%d\t%s\n' $((SECONDS - start)) "$rss"
    sleep 1
  done
) >"$out/rss.tsv" &
sampler=$!

origin=https://localhost:$BENCH_PORT
email=overload-$(openssl rand -hex 4)@example.com
password=$(openssl rand -hex 16)
printf '%s\n' "$password" | (cd "$BENCH_ROOT" && java -jar "$BENCH_JAR" users create --email "$email" \
  --name Overload --role user --scopes "read:pets write:pets") >/dev/null
token=$(curl -fsS --cacert "$PETS_TLS_CERT" -H 'Content-Type: application/json' \
  -d "{\"email\":\"$email\",\"password\":\"$password\"}" "$origin/v1/auth/login" | jq -r .accessToken)
pet_id=$(curl -fsS --cacert "$PETS_TLS_CERT" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d '{"name":"Rex","species":"DOG","age":3}' "$origin/v1/pets" | jq -r .id)
path=/v1/pets/$pet_id
curl -fsS --cacert "$PETS_TLS_CERT" -H "Authorization: Bearer $token" "$origin$path" >/dev/null
bench_log "seeded $email and pet $pet_id"

# Runs wrk with bench/overload.lua and stores its output in $out/NAME.txt. DELAY_MS is the pause
# of each connection before each request, and MODE "count" also counts responses by status.
run_wrk() {
  local name=$1 conns=$2 seconds=$3 delay_ms=$4 mode=$5
  bench_log "wrk $name: $conns connections for $seconds s, $delay_ms ms before each request"
  if ! wrk -t2 -c"$conns" -d"${seconds}s" --timeout 2s -s "$BENCH_ROOT/bench/overload.lua" \
    "$origin" -- "$path" "$token" "$delay_ms" "$mode" >"$out/$name.txt" 2>&1; then
    bench_log "wrk $name failed; its output is in $out/$name.txt"
  fi
}

# Prints the value of KEY in $out/NAME.txt (the script's "key value" lines), or 0 when absent.
value() {
  awk -v key="$2" '$1 == key {print $2; found = 1} END {if (!found) print 0}' "$out/$1.txt"
}

# Prints the responses per second of phase NAME, or 0 when wrk did not finish it.
rate() {
  awk -v requests="$(value "$1" requests)" -v us="$(value "$1" duration_us)" \
    'BEGIN {printf "%.0f", (us > 0 ? requests / (us / 1e6) : 0)}'
}

run_wrk warmup "$capacity_connections" 20 0 plain
run_wrk capacity "$capacity_connections" "$capacity_seconds" 0 plain
capacity=$(rate capacity)
# Each connection pauses so that together they offer about twice the capacity, ignoring latency.
delay_ms=$(awk -v c="$connections" -v cap="$capacity" 'BEGIN {printf "%d", (cap > 0 ? c * 1000 / (2 * cap) : 1000)}')
overload_started=$(awk 'END {print $1}' "$out/rss.tsv")
run_wrk overload "$connections" "$duration" "$delay_ms" count
overload_ended=$(awk 'END {print $1}' "$out/rss.tsv")
sleep 10
run_wrk after "$capacity_connections" "$capacity_seconds" 0 plain

kill "$sampler" 2>/dev/null || true
sampler=

# Checks, each as "name<TAB>PASS|FAIL<TAB>detail".
checks=()
check() {
  checks+=("$1"$'\t'"$2"$'\t'"$3")
}

if kill -0 "$BENCH_PID" 2>/dev/null \
  && curl -fsS --max-time 5 --cacert "$PETS_TLS_CERT" "$origin/health/live" >/dev/null 2>&1; then
  check alive PASS "pid $BENCH_PID responds on /health/live"
else
  check alive FAIL "the service exited or /health/live failed; see $out/service.err"
fi

rss_max_mb=$(awk '{if ($2 > max) max = $2} END {printf "%.0f", max / 1024}' "$out/rss.tsv")
rss_overload_mb=$(awk -v from="$overload_started" -v to="$overload_ended" \
  '$1 >= from && $1 <= to {if ($2 > max) max = $2} END {printf "%.0f", max / 1024}' "$out/rss.tsv")
rss_end_mb=$(awk 'END {printf "%.0f", $2 / 1024}' "$out/rss.tsv")
if ((rss_max_mb <= rss_limit_mb)); then
  check rss PASS "max ${rss_max_mb} MB (${rss_overload_mb} MB during the overload, ${rss_end_mb} MB at the end), limit ${rss_limit_mb} MB"
else
  check rss FAIL "max ${rss_max_mb} MB is above the limit of ${rss_limit_mb} MB"
fi

requests=$(value overload requests)
ok=$(awk '$1 ~ /^status_2[0-9][0-9]$/ {sum += $2} END {print sum + 0}' "$out/overload.txt")
limited=$(value overload status_429)
shed=$(value overload status_503)
other=$(awk '$1 ~ /^status_/ && $1 !~ /^status_(2[0-9][0-9]|429|503)$/ {sum += $2} END {print sum + 0}' "$out/overload.txt")
timeouts=$(value overload errors_timeout)
socket_errors=$(($(value overload errors_connect) + $(value overload errors_read) + $(value overload errors_write)))
distribution="$requests responses: $ok 2xx, $limited 429, $shed 503, $other other; $timeouts of them after more than 2 s (timeouts), $socket_errors socket errors"
if ((other == 0 && timeouts * 100 <= requests)); then
  check responses PASS "$distribution"
else
  check responses FAIL "$distribution"
fi

if (($(value capacity errors_status) > 0)); then
  check capacity FAIL "the capacity run got $(value capacity errors_status) responses other than 2xx or 3xx"
fi
capacity_p99=$(value capacity latency_p99_ms)
after_p99=$(value after latency_p99_ms)
after_rate=$(rate after)
if awk -v before="$capacity_p99" -v after="$after_p99" -v cap="$capacity" -v rate="$after_rate" \
  'BEGIN {exit !(after <= 2 * before + 20 && rate >= 0.7 * cap)}'; then
  check recovery PASS "p99 ${after_p99} ms after vs ${capacity_p99} ms before, ${after_rate} vs ${capacity} requests/s"
else
  check recovery FAIL "p99 ${after_p99} ms after vs ${capacity_p99} ms before, ${after_rate} vs ${capacity} requests/s"
fi

cp "$work/service.err" "$out/service.err"
{
  printf 'machine\t%s cores, %s, %s\n' "$(nproc)" "$(awk '/^model name/ {sub(/.*: /, ""); print; exit}' /proc/cpuinfo)" \
    "$(awk '/^MemTotal/ {printf "%.0f GiB RAM", $2 / 1048576}' /proc/meminfo)"
  printf 'load average at the end\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
  printf 'service\tPETS_MAX_IN_FLIGHT=%s, %s, %s\n' "${PETS_MAX_IN_FLIGHT:-default}" "$BENCH_JAVA_OPTIONS" \
    "$(grep -o 'with [0-9]* verticle instances' "$out/service.err" | head -n 1)"
  for phase in capacity overload after; do
    printf '%s\t%s requests/s, p50 %s ms, p99 %s ms, max %s ms, non-2xx %s, timeouts %s, socket errors %s\n' \
      "$phase" "$(rate $phase)" "$(value $phase latency_p50_ms)" "$(value $phase latency_p99_ms)" \
      "$(value $phase latency_max_ms)" "$(value $phase errors_status)" "$(value $phase errors_timeout)" \
      $(($(value $phase errors_connect) + $(value $phase errors_read) + $(value $phase errors_write)))
  done
  printf 'offered load\t%s connections, %s ms before each request (aiming at %s requests/s), answered at %s requests/s\n' \
    "$connections" "$delay_ms" "$((capacity * 2))" "$(rate overload)"
  printf '%s\n' "${checks[@]}"
} >"$out/summary.tsv"
column -t -s $'\t' "$out/summary.tsv" || cat "$out/summary.tsv"
bench_log "results in $out"
if printf '%s\n' "${checks[@]}" | grep -q $'\tFAIL\t'; then
  exit 1
fi
