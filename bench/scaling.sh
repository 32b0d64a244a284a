#!/usr/bin/env bash
# Compares three layouts of the service on the same data, PostgreSQL and Redis: one process with one
# verticle instance, one process with two, and two processes with one instance each on separate
# ports. Nothing sits in front of the two processes: wrk drives each port with half the connections.
# Writes the table to bench/scaling.md and prints it.
#
# Settings (environment variables):
#   BENCH_ENDPOINTS     endpoints to drive, among get-pet list-pets create-pet health-live (default get-pet)
#   BENCH_CONNECTIONS   connections in all, split evenly across processes (default 256)
#   BENCH_DURATION      length of each measured point (default 20s)
#   BENCH_WARMUP        untimed run before each layout's points (default 10s)
#   BENCH_ROUNDS        times the three layouts are measured, one after the other (default 2)
#   BENCH_JAVA_OPTS     JVM options of every service process (default -Xmx384m)
#   BENCH_REDIS=shared  use the Redis server at BENCH_REDIS_HOST:BENCH_REDIS_PORT instead of a
#                       private one started for the run
#   BENCH_SCALING_REPORT  output file (default bench/scaling.md)
#   BENCH_SKIP_BUILD=1  reuse target/secure-pets-api.jar
# PETS_* variables in the environment reach the service unless this script sets them.
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

ENDPOINTS=${BENCH_ENDPOINTS:-get-pet}
CONNECTIONS=${BENCH_CONNECTIONS:-256}
DURATION=${BENCH_DURATION:-20s}
WARMUP=${BENCH_WARMUP:-10s}
ROUNDS=${BENCH_ROUNDS:-2}
BENCH_JAVA_OPTS=${BENCH_JAVA_OPTS:--Xmx384m}
REPORT=${BENCH_SCALING_REPORT:-$ROOT/bench/scaling.md}
TIMEOUT=10s

declare -A URL TOKEN PET_IDS
LAYOUTS=("1 1" "1 2" "2 1")
PROCESS_PIDS=()
PROCESS_URLS=()

check_settings() {
  local endpoint
  for endpoint in $ENDPOINTS; do
    [[ -f $BENCH_DIR/wrk/$endpoint.lua ]] || die "BENCH_ENDPOINTS contains unknown endpoint '$endpoint'"
  done
  [[ $CONNECTIONS =~ ^[1-9][0-9]*$ && $((CONNECTIONS % 2)) == 0 ]] \
    || die "BENCH_CONNECTIONS is '$CONNECTIONS'; expected one even positive integer"
  [[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "BENCH_ROUNDS is '$ROUNDS'; expected a positive integer"
}

# Starts service process number $1 with $2 verticle instances on its own port. Every process shares
# the database, the Redis key prefix and the token secret, so one token and one set of pets serve all.
start_process() {
  local number=$1 instances=$2 port url pid management
  port=$(free_port $((18443 + 10 * number)))
  management=$(free_port $((19090 + 10 * number)))
  url=https://127.0.0.1:$port
  (
    SERVICE_PORT=$port SERVICE_URL=$url
    export_service_settings
    export PETS_INSTANCES=$instances PETS_MANAGEMENT_PORT=$management
    cd "$ROOT"
    # shellcheck disable=SC2086 # BENCH_JAVA_OPTS is a list of JVM options
    exec java $BENCH_JAVA_OPTS -jar target/secure-pets-api.jar serve
  ) >"$WORK/logs/service-$number.out" 2>"$WORK/logs/service-$number.err" </dev/null &
  pid=$!
  STARTED_PIDS+=("$pid")
  wait_ready "$url" "$pid" "service-$number"
  PROCESS_PIDS+=("$pid")
  PROCESS_URLS+=("$url")
}

stop_processes() {
  local pid
  for pid in "${PROCESS_PIDS[@]}"; do
    stop_process "$pid"
  done
  PROCESS_PIDS=()
  PROCESS_URLS=()
}

# Drives every running process at once, each with its share of the connections and of wrk's
# threads, and writes one wrk result file per process: $2.<n>.json.
drive() {
  local endpoint=$1 result=$2 duration=$3 count=${#PROCESS_URLS[@]} i pids=()
  local per_process=$((CONNECTIONS / count)) threads=$(($(nproc) / count))
  ((threads >= 1)) || threads=1
  for i in "${!PROCESS_URLS[@]}"; do
    BENCH_TOKEN=${TOKEN[service]} BENCH_PET_IDS=${PET_IDS[service]} BENCH_WRK_RESULT=$result.$i.json \
      BENCH_WRK_DIR=$BENCH_DIR/wrk \
      wrk -t "$threads" -c "$per_process" -d "$duration" --timeout "$TIMEOUT" --latency \
      -s "$BENCH_DIR/wrk/$endpoint.lua" "${PROCESS_URLS[$i]}" >"$result.$i.txt" 2>&1 &
    pids+=("$!")
  done
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || die "wrk failed on process $i: $(tail -n 3 "$result.$i.txt")"
  done
}

# Measures one point and appends a row: layout, endpoint, req/s (sum), p50 and p99 (highest of the
# processes), errors, CPU per request, RSS (sum) and machine busy share.
measure() {
  local round=$1 processes=$2 instances=$3 endpoint=$4 result cpu_before cpu_after machine_before machine_after
  result=$WORK/points/r$round-p$processes-i$instances-$endpoint
  cpu_before=$(cpu_ticks "${PROCESS_PIDS[@]}")
  read -r -a machine_before <<<"$(machine_cpu_ticks)"
  drive "$endpoint" "$result" "$DURATION"
  cpu_after=$(cpu_ticks "${PROCESS_PIDS[@]}")
  read -r -a machine_after <<<"$(machine_cpu_ticks)"
  jq -s --argjson round "$round" --argjson processes "$processes" --argjson instances "$instances" \
    --arg endpoint "$endpoint" --argjson cpu_us $(((cpu_after - cpu_before) * 1000000 / CLK_TCK)) \
    --argjson rss_kib "$(rss_kib "${PROCESS_PIDS[@]}")" \
    --argjson busy $((machine_after[0] - machine_before[0])) --argjson total $((machine_after[1] - machine_before[1])) '
    (map(.requests) | add) as $requests | (map(.duration_us) | max) as $duration |
    {round: $round, processes: $processes, instances: $instances, endpoint: $endpoint,
     rps: ($requests / ($duration / 1e6)),
     p50_ms: (map(.latency_p50_us) | max / 1000), p99_ms: (map(.latency_p99_us) | max / 1000),
     errors: (map(.connect_errors + .read_errors + .write_errors + .timeouts + .status_errors) | add),
     cpu_us_per_request: (if $requests > 0 then $cpu_us / $requests else null end),
     cores_used: ($cpu_us / $duration), rss_mib: ($rss_kib / 1024),
     machine_busy_percent: (100 * $busy / $total)}' "$result".*.json >>"$WORK/rows.jsonl"
}

seed() {
  local password
  password=$(openssl rand -hex 16)
  URL[service]=${PROCESS_URLS[0]}
  # create_user runs the jar's users command with the service's settings, which name a port.
  SERVICE_URL=${PROCESS_URLS[0]}
  SERVICE_PORT=${SERVICE_URL##*:}
  log "seeding: 1 user, 200 pets"
  create_user service bench@example.com "Bench User" "$password"
  TOKEN[service]=$(login service bench@example.com "$password")
  PET_IDS[service]=$WORK/pet-ids.txt
  seed_pets service "${TOKEN[service]}" 200 4 "${PET_IDS[service]}"
}

write_report() {
  {
    echo "# Instances and processes"
    echo
    echo "Generated by \`bench/scaling.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo))."
    echo "Command: \`BENCH_ENDPOINTS=\"$ENDPOINTS\" BENCH_CONNECTIONS=$CONNECTIONS BENCH_DURATION=$DURATION BENCH_WARMUP=$WARMUP BENCH_ROUNDS=$ROUNDS BENCH_JAVA_OPTS=\"$BENCH_JAVA_OPTS\" bench/scaling.sh\`."
    echo "Load average before the run: $LOAD_BEFORE. PostgreSQL, Redis (${BENCH_REDIS:-private}), wrk and the service share the machine."
    echo
    echo "Each process gets half of the $CONNECTIONS connections and half of wrk's $(nproc) threads when there are two."
    echo "req/s is the sum over processes; p50 and p99 are the highest of the processes' own values (the"
    echo "combined percentile lies between the processes' values). CPU and RSS are summed over processes."
    echo
    echo "| round | processes | instances each | endpoint | req/s | p50 ms | p99 ms | errors + non-2xx | cores used | CPU µs/req | RSS MiB | machine busy % |"
    echo "| ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    jq -r '"| \(.round) | \(.processes) | \(.instances) | `\(.endpoint)` | \(.rps | round) | \(.p50_ms * 100 | round / 100) | \(.p99_ms * 100 | round / 100) | \(.errors) | \(.cores_used * 100 | round / 100) | \(if .cpu_us_per_request == null then "-" else (.cpu_us_per_request | round) end) | \(.rss_mib | round) | \(.machine_busy_percent | round) |"' "$WORK/rows.jsonl"
  } >"$REPORT"
}

main() {
  local round layout processes instances endpoint number seeded=0
  check_settings
  require_tools mvn java curl openssl psql redis-cli wrk jq ss
  check_open_files
  make_workdir
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
  if [[ ${BENCH_REDIS:-private} == private ]]; then
    start_private_redis
  fi
  LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
  build_jar
  make_certificate
  SERVICE_DB=bench_scaling_$RUN_ID
  SERVICE_PREFIX="bench-$RUN_ID:"
  SERVICE_JWT_SECRET=$(openssl rand -base64 48)
  create_database "$SERVICE_DB"
  REDIS_CLEANUPS+=("0 $SERVICE_PREFIX*")

  for round in $(seq 1 "$ROUNDS"); do
    for layout in "${LAYOUTS[@]}"; do
      read -r processes instances <<<"$layout"
      log "round $round: $processes process(es), $instances instance(s) each"
      for number in $(seq 1 "$processes"); do
        start_process "$number" "$instances"
      done
      if ((seeded == 0)); then
        seed
        seeded=1
      fi
      for endpoint in $ENDPOINTS; do
        if [[ $WARMUP != 0 && $WARMUP != 0s ]]; then
          drive "$endpoint" "$WORK/points/warmup" "$WARMUP"
        fi
        measure "$round" "$processes" "$instances" "$endpoint"
      done
      stop_processes
    done
  done
  write_report
  cat "$REPORT"
}

main "$@"
