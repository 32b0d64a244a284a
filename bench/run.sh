#!/usr/bin/env bash
# Load test of the service and, side by side, of the Express peer that implements the same API.
# One command builds the jar, creates throwaway databases, a certificate and Redis keys, seeds both
# servers with the same data, drives them with wrk over TLS with keep-alive, writes BENCHMARKS.md,
# bench/results.tsv and bench/throughput.png, and removes everything it created.
#
# Settings (environment variables):
#   BENCH_DURATION        length of each measured point, in wrk's units (default 20s)
#   BENCH_WARMUP          untimed run per target and endpoint before measuring, at the lowest
#                         connection count (default 10s; 0 skips it)
#   BENCH_CONNECTIONS     open connections of each point (default "64 256 1024")
#   BENCH_ENDPOINTS       subset of "get-pet list-pets create-pet health-live" (default all four)
#   BENCH_TARGETS         "service peer" (default) or "service"
#   BENCH_THREADS         wrk threads (default: number of cores)
#   BENCH_TIMEOUT         wrk's per-request timeout; slower answers count as timeouts (default 10s)
#   BENCH_INSTANCES       PETS_INSTANCES of the service (default: number of cores)
#   BENCH_JAVA_OPTS       JVM options of the service (default -Xmx256m, which kept its RSS under
#                         512 MB at 1024 connections). Set it empty for the JVM's own default.
#   BENCH_PEER_WORKERS    PEER_WORKERS of the peer (default 2)
#   BENCH_PEER_DIR        source folder of the peer (default /work/shared/peer-express)
#   BENCH_PEER_CACHE      folder where the peer is copied and npm ci runs (default /tmp/secure-pets-bench-peer)
#   BENCH_PETS            pets seeded for the bench user (default 200; every 4th is public)
#   BENCH_PG_URL          PostgreSQL server without database, role allowed to create databases
#                         (default postgresql://postgres@127.0.0.1:5432)
#   BENCH_REDIS_HOST, BENCH_REDIS_PORT   Redis server (default 127.0.0.1:6379)
#   BENCH_REDIS=private   start a Redis server for this run alone, so the Redis counts hold no
#                         other client's commands (default: use the server above)
#   BENCH_PEER_REDIS_DB   Redis database of the peer (default: the highest empty one from 15 down)
#   BENCH_PG_SETTLE_SECONDS  wait before reading pg_stat_database after a point (default 11)
#   BENCH_NOTE            sentence printed at the top of the report, such as why the run is short
#   BENCH_REPORT          report file (default BENCHMARKS.md in the repository root)
#   BENCH_RESULTS         results table (default bench/results.tsv)
#   BENCH_CHART           chart (default bench/throughput.png)
#   BENCH_SKIP_BUILD=1    reuse target/secure-pets-api.jar
#   BENCH_KEEP_WORKDIR=1  keep logs and raw wrk output after a successful run
# PETS_* variables in the environment reach both servers unless this script sets them.
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

ALL_ENDPOINTS="get-pet list-pets create-pet health-live"
export BENCH_JAVA_OPTS=${BENCH_JAVA_OPTS--Xmx256m}
DURATION=${BENCH_DURATION:-20s}
WARMUP=${BENCH_WARMUP:-10s}
CONNECTIONS=${BENCH_CONNECTIONS:-64 256 1024}
ENDPOINTS=${BENCH_ENDPOINTS:-$ALL_ENDPOINTS}
TARGETS=${BENCH_TARGETS:-service peer}
THREADS=${BENCH_THREADS:-$(nproc)}
TIMEOUT=${BENCH_TIMEOUT:-10s}
PET_COUNT=${BENCH_PETS:-200}
REPORT=${BENCH_REPORT:-$ROOT/BENCHMARKS.md}
RESULTS=${BENCH_RESULTS:-$ROOT/bench/results.tsv}
CHART=${BENCH_CHART:-$ROOT/bench/throughput.png}

declare -A URL PIDS DB TOKEN PET_IDS PG_BEFORE PG_LOAD_END PG_PENDING

check_settings() {
  local endpoint target connections
  for endpoint in $ENDPOINTS; do
    [[ " $ALL_ENDPOINTS " == *" $endpoint "* ]] \
      || die "BENCH_ENDPOINTS contains unknown endpoint '$endpoint'; expected some of: $ALL_ENDPOINTS"
  done
  for target in $TARGETS; do
    [[ $target == service || $target == peer ]] \
      || die "BENCH_TARGETS contains unknown target '$target'; expected service, peer or both"
  done
  [[ " $TARGETS " == *" service "* ]] || die "BENCH_TARGETS must include service"
  for connections in $CONNECTIONS; do
    [[ $connections =~ ^[1-9][0-9]*$ ]] || die "BENCH_CONNECTIONS contains '$connections'; expected positive integers"
  done
  [[ $PET_COUNT =~ ^[1-9][0-9]*$ ]] || die "BENCH_PETS is '$PET_COUNT'; expected a positive integer"
}

# ---------------------------------------------------------------------------------------- seeding

seed_target() {
  local target=$1 password neighbour_token
  password=$(openssl rand -hex 16)
  log "seeding the $target: 2 users, $PET_COUNT + 20 pets"
  create_user "$target" bench@example.com "Bench User" "$password"
  create_user "$target" neighbour@example.com "Neighbour User" "$password"
  TOKEN[$target]=$(login "$target" bench@example.com "$password")
  neighbour_token=$(login "$target" neighbour@example.com "$password")
  PET_IDS[$target]=$WORK/pet-ids-$target.txt
  seed_pets "$target" "${TOKEN[$target]}" "$PET_COUNT" 4 "${PET_IDS[$target]}"
  seed_pets "$target" "$neighbour_token" 20 2 "$WORK/pet-ids-$target-neighbour.txt"
}

# Sends one request of each benchmarked kind and stops the run unless it gets the expected status.
check_endpoints() {
  local target=$1 url=${URL[$1]} auth="Authorization: Bearer ${TOKEN[$1]}" id status
  id=$(head -n 1 "${PET_IDS[$target]}")
  status=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$TLS_CERT" -H "$auth" "$url/v1/pets/$id")
  [[ $status == 200 ]] || die "GET /v1/pets/{id} on the $target returned $status, expected 200"
  [[ $(curl -s --cacert "$TLS_CERT" -H "$auth" "$url/v1/pets?limit=20" | jq '.items | length') == 20 ]] \
    || die "GET /v1/pets?limit=20 on the $target did not return 20 items"
  status=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$TLS_CERT" -H "$auth" -H 'Content-Type: application/json' \
    -d '{"name":"Check pet","species":"CAT"}' "$url/v1/pets")
  [[ $status == 201 ]] || die "POST /v1/pets on the $target returned $status, expected 201"
  status=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$TLS_CERT" "$url/health/live")
  [[ $status == 200 ]] || die "GET /health/live on the $target returned $status, expected 200"
}

# ---------------------------------------------------------------------------------------- counters

# Prints "<all calls> <EVALSHA calls>" summed over Redis's INFO commandstats. The INFO calls that
# read the counters are left out. Commands that Lua scripts run count too.
redis_calls() {
  redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" INFO commandstats | tr -d '\r' | awk -F'[:,=]' '
    /^cmdstat_/ && $1 != "cmdstat_info" { total += $3 }
    $1 == "cmdstat_evalsha" { evalsha = $3 }
    END { print total + 0, evalsha + 0 }'
}

# Chooses how statements are counted: pg_stat_statements when the server preloads it, else the
# transactions of pg_stat_database (each statement outside BEGIN ... COMMIT is one transaction).
choose_pg_counter() {
  if [[ $(psql_admin -c "SHOW shared_preload_libraries") == *pg_stat_statements* ]]; then
    PG_COUNTER=pg_stat_statements
    PG_SETTLE_SECONDS=0
  else
    PG_COUNTER=xact
    # Backends publish their counters in batches: on PostgreSQL 15.20 a backend's last transactions
    # appeared in pg_stat_database 10 s after it went idle, so each point's count is read 11 s later.
    # NOTE: a later publication would move transactions into the next point of the same target.
    PG_SETTLE_SECONDS=${BENCH_PG_SETTLE_SECONDS:-11}
  fi
}

prepare_pg_counter() {
  local database=$1
  if [[ $PG_COUNTER == pg_stat_statements ]]; then
    psql "$PG_SERVER_URL/$database" -qAt -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null
  fi
}

pg_count() {
  local database=$1
  if [[ $PG_COUNTER == pg_stat_statements ]]; then
    psql "$PG_SERVER_URL/$database" -qAt -c "SELECT coalesce(sum(s.calls), 0) FROM pg_stat_statements s
      JOIN pg_database d ON d.oid = s.dbid
      WHERE d.datname = '$database' AND s.query NOT LIKE '%pg_stat_statements%'"
  else
    psql_admin -c "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = '$database'"
  fi
}

# Waits until the target's counters include its last load, then stores the statement count per
# request in the point that load belonged to (if any) and keeps the count as the next baseline.
settle_pg() {
  local target=$1 load_end=${PG_LOAD_END[$1]:-} now count point
  if [[ -n $load_end ]]; then
    now=$(date +%s)
    if ((now < load_end + PG_SETTLE_SECONDS)); then
      sleep $((load_end + PG_SETTLE_SECONDS - now))
    fi
  fi
  count=$(pg_count "${DB[$target]}")
  point=${PG_PENDING[$target]:-}
  if [[ -n $point ]]; then
    jq --argjson statements $((count - PG_BEFORE[$target])) \
      '.pg_per_request = (if .requests > 0 then $statements / .requests else null end)' "$point" >"$point.tmp"
    mv "$point.tmp" "$point"
  fi
  PG_BEFORE[$target]=$count
  PG_PENDING[$target]=""
  PG_LOAD_END[$target]=""
}

# Writes the peak RSS (KiB) of the processes to $1 every half second until killed.
sample_peak_rss() {
  local out=$1 peak=0 rss
  shift
  while :; do
    rss=$(rss_kib "$@")
    if ((rss > peak)); then
      peak=$rss
      echo "$peak" >"$out"
    fi
    sleep 0.5
  done
}

# ---------------------------------------------------------------------------------------- load

run_wrk() {
  local target=$1 endpoint=$2 connections=$3 duration=$4 result=$5 output=$6
  local threads=$((THREADS < connections ? THREADS : connections))
  BENCH_TOKEN=${TOKEN[$target]} BENCH_PET_IDS=${PET_IDS[$target]} BENCH_WRK_RESULT=$result \
    BENCH_WRK_DIR=$BENCH_DIR/wrk \
    wrk -t "$threads" -c "$connections" -d "$duration" --timeout "$TIMEOUT" --latency \
    -s "$BENCH_DIR/wrk/$endpoint.lua" "${URL[$target]}" >"$output" 2>&1 \
    || die "wrk failed on the $target, $endpoint, $connections connections: $(tail -n 3 "$output")"
}

warm_up() {
  local target endpoint lowest
  if [[ $WARMUP == 0 || $WARMUP == 0s ]]; then
    return
  fi
  lowest=$(tr ' ' '\n' <<<"$CONNECTIONS" | sort -n | head -n 1)
  for target in $TARGETS; do
    for endpoint in $ENDPOINTS; do
      log "warm-up: $target $endpoint, $lowest connections, $WARMUP"
      run_wrk "$target" "$endpoint" "$lowest" "$WARMUP" "$WORK/warmup.json" "$WORK/logs/warmup-$target-$endpoint.txt"
    done
    PG_LOAD_END[$target]=$(date +%s)
  done
}

POINT_NUMBER=0

measure_point() {
  local target=$1 endpoint=$2 connections=$3
  local name redis_before redis_after cpu_before cpu_after machine_before machine_after sampler point raw
  POINT_NUMBER=$((POINT_NUMBER + 1))
  name=$(printf '%03d-%s-%s-%s' "$POINT_NUMBER" "$endpoint" "$connections" "$target")
  point=$WORK/points/$name.json
  raw=$WORK/logs/wrk-$name
  settle_pg "$target"

  log "point $name: $DURATION"
  read -r -a redis_before <<<"$(redis_calls)"
  cpu_before=$(cpu_ticks "${PIDS[$target]}")
  read -r -a machine_before <<<"$(machine_cpu_ticks)"
  echo 0 >"$raw.rss"
  sample_peak_rss "$raw.rss" "${PIDS[$target]}" &
  sampler=$!

  run_wrk "$target" "$endpoint" "$connections" "$DURATION" "$raw.json" "$raw.txt"

  kill "$sampler"
  wait "$sampler" 2>/dev/null || true
  read -r -a redis_after <<<"$(redis_calls)"
  cpu_after=$(cpu_ticks "${PIDS[$target]}")
  read -r -a machine_after <<<"$(machine_cpu_ticks)"
  PG_LOAD_END[$target]=$(date +%s)

  jq --arg endpoint "$endpoint" --arg target "$target" --argjson connections "$connections" \
    --argjson redis $((redis_after[0] - redis_before[0])) --argjson evalsha $((redis_after[1] - redis_before[1])) \
    --argjson cpu_us $(((cpu_after - cpu_before) * 1000000 / CLK_TCK)) --argjson rss_kib "$(cat "$raw.rss")" \
    --argjson machine_busy $((machine_after[0] - machine_before[0])) \
    --argjson machine_total $((machine_after[1] - machine_before[1])) '
    . + {endpoint: $endpoint, target: $target, connections: $connections, rss_kib: $rss_kib,
         cores_used: ($cpu_us / .duration_us),
         machine_busy_percent: (if $machine_total > 0 then 100 * $machine_busy / $machine_total else null end),
         redis_per_request: (if .requests > 0 then $redis / .requests else null end),
         evalsha_per_request: (if .requests > 0 then $evalsha / .requests else null end),
         cpu_us_per_request: (if .requests > 0 then $cpu_us / .requests else null end),
         pg_per_request: null}' "$raw.json" >"$point"

  PG_PENDING[$target]=$point
}

# Prints Redis commands per second from other clients while no target is under load, so the reader
# can judge how much of the per-request Redis numbers is background traffic.
measure_redis_background() {
  local before after
  read -r -a before <<<"$(redis_calls)"
  sleep 5
  read -r -a after <<<"$(redis_calls)"
  echo $(((after[0] - before[0]) / 5))
}

write_results() {
  local point
  printf '%s\n' endpoint connections target duration_s requests requests_per_s p50_ms p99_ms max_ms \
    connect_errors read_errors write_errors timeouts non_2xx rss_mib cores_used machine_busy_percent cpu_us_per_request \
    redis_commands_per_request redis_evalsha_per_request pg_statements_per_request | paste -sd '\t' >"$RESULTS"
  for point in "$WORK"/points/*.json; do
    # Latencies stay empty when no request completed: wrk then reports 0 for them.
    jq -r '[.endpoint, .connections, .target, (.duration_us / 1e6 | . * 100 | round / 100), .requests,
      (.requests / (.duration_us / 1e6) | round),
      (if .requests == 0 then "" else (.latency_p50_us / 1000 | . * 100 | round / 100) end),
      (if .requests == 0 then "" else (.latency_p99_us / 1000 | . * 100 | round / 100) end),
      (if .requests == 0 then "" else (.latency_max_us / 1000 | . * 10 | round / 10) end),
      .connect_errors, .read_errors, .write_errors, .timeouts, .status_errors,
      (.rss_kib / 1024 | round), (.cores_used | . * 100 | round / 100),
      (if .machine_busy_percent == null then "" else (.machine_busy_percent | round) end),
      (if .cpu_us_per_request == null then "" else (.cpu_us_per_request | round) end),
      (if .redis_per_request == null then "" else (.redis_per_request | . * 100 | round / 100) end),
      (if .evalsha_per_request == null then "" else (.evalsha_per_request | . * 100 | round / 100) end),
      (if .pg_per_request == null then "" else (.pg_per_request | . * 100 | round / 100) end)] | @tsv' "$point"
  done >>"$RESULTS"
}

# Writes the facts the report prints about the machine and the run, as shell assignments.
write_run_facts() {
  local facts=$1 command="" name value
  for name in $(compgen -e | grep '^BENCH_' | sort); do
    value=${!name}
    if [[ $value =~ [^A-Za-z0-9_./:=-] ]]; then
      value="\"$value\""
    fi
    command+="$name=$value "
  done
  {
    printf 'RUN_DATE=%q\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
    printf 'RUN_COMMAND=%q\n' "${command}bench/run.sh"
    printf 'RUN_NOTE=%q\n' "${BENCH_NOTE:-}"
    printf 'CPU_MODEL=%q\n' "$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
    printf 'CPU_COUNT=%q\n' "$(nproc)"
    printf 'MEMORY=%q\n' "$(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
    printf 'KERNEL=%q\n' "$(uname -sr)"
    printf 'JDK=%q\n' "$(java -version 2>&1 | head -n 2 | tail -n 1)"
    printf 'NODE=%q\n' "$( (node --version 2>/dev/null) || echo 'not used')"
    printf 'WRK=%q\n' "$(wrk -v 2>&1 | head -n 1 | awk '{print $1, $2}')"
    printf 'POSTGRES=%q\n' "$(psql_admin -c 'SHOW server_version')"
    printf 'REDIS=%q\n' "$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" INFO server | tr -d '\r' | awk -F: '/^redis_version/ {print $2}')"
    printf 'LOAD_BEFORE=%q\n' "$LOAD_BEFORE"
    printf 'LOAD_AFTER=%q\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
    printf 'REDIS_BACKGROUND=%q\n' "$REDIS_BACKGROUND"
    printf 'REDIS_MODE=%q\n' "${BENCH_REDIS:-shared}"
    printf 'PG_COUNTER=%q\n' "$PG_COUNTER"
    printf 'DURATION=%q\nWARMUP=%q\nCONNECTIONS=%q\nENDPOINTS=%q\nTARGETS=%q\n' \
      "$DURATION" "$WARMUP" "$CONNECTIONS" "$ENDPOINTS" "$TARGETS"
    printf 'THREADS=%q\nTIMEOUT=%q\nPET_COUNT=%q\n' "$THREADS" "$TIMEOUT" "$PET_COUNT"
    printf 'INSTANCES=%q\nJAVA_OPTS=%q\nPEER_WORKERS=%q\n' \
      "${BENCH_INSTANCES:-$(nproc)}" "${BENCH_JAVA_OPTS:-}" "${BENCH_PEER_WORKERS:-2}"
    printf 'LIMIT_REQUESTS=%q\nLIMIT_WINDOW_SECONDS=%q\n' "$LIMIT_REQUESTS" "$LIMIT_WINDOW_SECONDS"
  } >"$facts"
}

main() {
  local target endpoint connections
  check_settings
  require_tools mvn java curl openssl psql redis-cli wrk jq gnuplot ss
  if [[ " $TARGETS " == *" peer "* ]]; then
    require_tools node npm
  fi
  check_open_files
  make_workdir
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
  if [[ ${BENCH_REDIS:-shared} == private ]]; then
    start_private_redis
  fi
  LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

  build_jar
  make_certificate
  if [[ " $TARGETS " == *" peer "* ]]; then
    install_peer
  fi
  choose_pg_counter
  log "counting PostgreSQL statements with $PG_COUNTER"

  start_service
  URL[service]=$SERVICE_URL
  PIDS[service]=$SERVICE_PID
  DB[service]=$SERVICE_DB
  if [[ " $TARGETS " == *" peer "* ]]; then
    start_peer
    URL[peer]=$PEER_URL
    PIDS[peer]=$PEER_PID
    DB[peer]=$PEER_DB
  fi
  for target in $TARGETS; do
    prepare_pg_counter "${DB[$target]}"
    seed_target "$target"
    check_endpoints "$target"
    PG_LOAD_END[$target]=$(date +%s)
  done
  REDIS_BACKGROUND=$(measure_redis_background)
  log "Redis background traffic from other clients: $REDIS_BACKGROUND commands/s"

  warm_up
  for endpoint in $ENDPOINTS; do
    for connections in $CONNECTIONS; do
      for target in $TARGETS; do
        measure_point "$target" "$endpoint" "$connections"
      done
    done
  done
  for target in $TARGETS; do
    settle_pg "$target"
  done

  write_results
  write_run_facts "$WORK/run-facts.sh"
  "$BENCH_DIR/report.sh" "$RESULTS" "$WORK/run-facts.sh" "$REPORT" "$CHART"
  log "wrote $REPORT, $RESULTS and $CHART"
}

main "$@"
