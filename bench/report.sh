#!/usr/bin/env bash
# Writes the benchmark report (Markdown) and its chart (PNG) from a results table of bench/run.sh.
# Usage: bench/report.sh RESULTS_TSV RUN_FACTS REPORT_MD CHART_PNG
# RUN_FACTS is the file of shell assignments that bench/run.sh writes (machine, command, settings).
# The "## Tuning log" section of an existing REPORT_MD is kept as it is; a new report gets an empty one.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
RESULTS=$1
FACTS=$2
REPORT=$3
CHART=$4

# shellcheck source=/dev/null
source "$FACTS"

# Prints the Markdown label of an endpoint name.
endpoint_label() {
  case $1 in
    get-pet) echo 'GET /v1/pets/{id}' ;;
    list-pets) echo 'GET /v1/pets?limit=20' ;;
    create-pet) echo 'POST /v1/pets' ;;
    health-live) echo 'GET /health/live' ;;
    *) echo "$1" ;;
  esac
}

draw_chart() {
  local data_dir target endpoint x_min x_max
  data_dir=$(mktemp -d)
  for target in $TARGETS; do
    for endpoint in $ENDPOINTS; do
      awk -F'\t' -v target="$target" -v endpoint="$endpoint" \
        'NR > 1 && $1 == endpoint && $3 == target {print $2, $6, $8}' "$RESULTS" \
        | sort -n >"$data_dir/$target-$endpoint.dat"
    done
  done
  x_min=$(tr ' ' '\n' <<<"$CONNECTIONS" | sort -n | head -n 1)
  x_max=$(tr ' ' '\n' <<<"$CONNECTIONS" | sort -n | tail -n 1)
  gnuplot -e "data_dir='$data_dir'; endpoints='$ENDPOINTS'; targets='$TARGETS'" \
    -e "x_min=$x_min / 1.5; x_max=$x_max * 1.5; output='$CHART'" "$BENCH_DIR/throughput.gp"
  rm -rf "$data_dir"
}

results_table() {
  local pg_heading=$1
  echo "| endpoint | connections | target | req/s | p50 ms | p99 ms | max ms | errors connect/read/write/timeout | non-2xx | RSS MiB | cores used | machine busy % | CPU µs/req | Redis cmds/req | EVALSHA/req | $pg_heading |"
  echo "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  # awk, not read: read would merge the adjacent tabs of empty fields.
  awk -F'\t' 'NR > 1 {
      for (i = 1; i <= NF; i++) if ($i == "") $i = "-"
      printf "%s\t| %s | %s | %s | %s | %s | %s | %s/%s/%s/%s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
        $1, $2, $3, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21
    }' "$RESULTS" | while IFS=$'\t' read -r endpoint row; do
    echo "| \`$(endpoint_label "$endpoint")\` $row"
  done
}

# One row per endpoint and connection count with both targets: service/peer for req/s and p99.
ratio_table() {
  echo "| endpoint | connections | req/s service | req/s peer | req/s service/peer | p99 ms service | p99 ms peer | p99 service/peer |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  awk -F'\t' '
    NR > 1 { key = $1 "\t" $2; rps[key, $3] = $6; p99[key, $3] = $8; if (!(key in seen)) { seen[key] = 1; order[++n] = key } }
    END {
      for (i = 1; i <= n; i++) {
        key = order[i]
        if (!((key, "peer") in rps)) continue
        split(key, part, "\t")
        rps_ratio = rps[key, "peer"] > 0 ? sprintf("%.2f", rps[key, "service"] / rps[key, "peer"]) : "-"
        p99_ratio = p99[key, "peer"] != "" && p99[key, "service"] != "" ? sprintf("%.2f", p99[key, "service"] / p99[key, "peer"]) : "-"
        printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", part[1], part[2], rps[key, "service"], rps[key, "peer"], rps_ratio,
          p99[key, "service"] == "" ? "-" : p99[key, "service"], p99[key, "peer"] == "" ? "-" : p99[key, "peer"], p99_ratio
      }
    }' "$RESULTS" | while IFS=$'\t' read -r endpoint rest; do
    echo "| \`$(endpoint_label "$endpoint")\` | ${rest//$'\t'/ | } |"
  done
}

redis_scope_text() {
  if [[ $REDIS_MODE == private ]]; then
    echo "The Redis server was started for this run alone, so no other client's commands are counted."
  else
    echo "The counters are server-wide, so commands from other clients (see the background rate above) are included."
  fi
}

pg_method_text() {
  if [[ $PG_COUNTER == pg_stat_statements ]]; then
    echo "the change of \`sum(calls)\` in \`pg_stat_statements\` for the target's own database during the point," \
      "divided by the point's requests. The counter queries themselves are left out."
  else
    echo "\`pg_stat_statements\` is not loaded on this server, so statements are counted as transactions:" \
      "the change of \`xact_commit + xact_rollback\` in \`pg_stat_database\` for the target's own database," \
      "divided by the point's requests. Every statement the two servers send outside \`BEGIN ... COMMIT\` is one" \
      "transaction. PostgreSQL 15 publishes a backend's counters up to 10 s after it goes idle, so the script" \
      "reads them 11 s after the point ends, while that target is idle (the other one runs its point)."
  fi
}

tuning_log() {
  if [[ -f $REPORT ]] && grep -q '^## Tuning log' "$REPORT"; then
    sed -n '/^## Tuning log/,$p' "$REPORT"
    return
  fi
  cat <<'EOF'
## Tuning log

One row per change, newest last. `bench/run.sh` keeps this section when it rewrites the file. Compare
runs with the same command on the same machine, and name the point (endpoint, connections) that the
before and after numbers come from.

| step | change | before | after |
| --- | --- | --- | --- |
| 1 | (for example: `PETS_PG_POOL_SIZE` 16 to 32) | (req/s and p99 at one point) | (req/s and p99 at the same point) |
EOF
}

write_report() {
  local pg_heading tuning chart_path
  if [[ $PG_COUNTER == pg_stat_statements ]]; then
    pg_heading="PG statements/req"
  else
    pg_heading="PG xact/req"
  fi
  tuning=$(tuning_log)
  chart_path=$(realpath --relative-to="$(dirname "$REPORT")" "$CHART")
  {
    echo "# Benchmarks"
    echo
    if [[ -n $RUN_NOTE ]]; then
      echo "**Note:** $RUN_NOTE"
      echo
    fi
    echo "Generated by \`bench/run.sh\` on $RUN_DATE. Command:"
    echo
    echo '```sh'
    echo "$RUN_COMMAND"
    echo '```'
    echo
    echo "## Machine"
    echo
    echo "| item | value |"
    echo "| --- | --- |"
    echo "| CPU | $CPU_MODEL, $CPU_COUNT cores (nproc) |"
    echo "| memory | $MEMORY |"
    echo "| kernel | $KERNEL |"
    echo "| JDK | $JDK |"
    echo "| Node.js | $NODE |"
    echo "| wrk | $WRK |"
    echo "| PostgreSQL | $POSTGRES |"
    echo "| Redis | $REDIS |"
    echo "| load average (1, 5, 15 min) before and after the run | $LOAD_BEFORE; $LOAD_AFTER |"
    echo "| Redis commands/s from other clients, measured for 5 s before the load | $REDIS_BACKGROUND |"
    echo
    echo "wrk, both servers, PostgreSQL and Redis all run on this one machine, so they compete for its cores."
    echo
    echo "## Setup"
    echo
    echo "- Service: \`target/secure-pets-api.jar\`, \`PETS_INSTANCES=$INSTANCES\`, JVM options: ${JAVA_OPTS:-none}," \
      "other settings at their defaults (\`PETS_PG_POOL_SIZE\` 8 unless set in the environment)."
    echo "- Peer: the Express 5 implementation of the same API (Node.js cluster, \`PEER_WORKERS=$PEER_WORKERS\`," \
      "a pool of 10 PostgreSQL connections a worker)."
    echo "- Both run on the same PostgreSQL and Redis servers, each with a database of its own created for the run;" \
      "the service keys Redis with a run-specific prefix in database 0, the peer uses an empty Redis database."
    if [[ $REDIS_MODE == private ]]; then
      echo "  The Redis server was started for this run alone (\`BENCH_REDIS=private\`)."
    else
      echo "  The Redis server is the machine's shared one; \`BENCH_REDIS=private\` starts one for the run alone."
    fi
    echo "- Same data in both, created through the API: a bench user with $PET_COUNT pets (every 4th public) and a" \
      "second user with 20 pets. All load runs as the bench user, with a token from \`POST /v1/auth/login\`."
    echo "- Rate limits raised to $LIMIT_REQUESTS requests per $LIMIT_WINDOW_SECONDS s window (global, login," \
      "create pet, suspicious-activity threshold), so the limiter runs on every request and never refuses one."
    echo "- wrk with HTTP/1.1 keep-alive over TLS (wrk's OpenSSL client defaults), $THREADS threads, timeout $TIMEOUT, $DURATION per point," \
      "after a $WARMUP warm-up per target and endpoint. Connections: $CONNECTIONS. Targets alternate for every point" \
      "(service, then peer)."
    echo
    echo "## Results"
    echo
    results_table "$pg_heading"
    echo
    if [[ " $TARGETS " == *" peer "* ]]; then
      echo "### Service compared with the peer"
      echo
      echo "A req/s ratio above 1 and a p99 ratio below 1 favour the service."
      echo
      ratio_table
      echo
    fi
    echo "![requests per second and p99 latency per endpoint and connection count]($chart_path)"
    echo
    echo "Raw numbers: \`$(realpath --relative-to="$(dirname "$REPORT")" "$RESULTS")\`."
    echo
    echo "## How each number is measured"
    echo
    echo "- **req/s, p50, p99, max**: wrk's own totals and latency histogram, written by the \`done()\` hook in" \
      "\`bench/wrk/report.lua\`. req/s is requests divided by the run time, connection setup included. wrk (not" \
      "wrk2) waits for each answer before sending the next request on a connection, so latencies under overload" \
      "are lower than an open-loop client would see (coordinated omission)."
    echo "- **errors**: wrk's socket error counters (connect, read, write) and requests that got no answer within" \
      "the timeout. **non-2xx**: wrk's count of responses with status 400 or more; none of the measured routes" \
      "returns 1xx or 3xx."
    echo "- **RSS**: peak resident set size during the point, sampled every 0.5 s from \`/proc/<pid>/status\`" \
      "(VmRSS): the Java process for the service; the primary and its workers summed for the peer (pages shared" \
      "between processes are counted in each)."
    echo "- **cores used**: user plus system CPU time of the same processes during the point (from" \
      "\`/proc/<pid>/stat\`), divided by the point's length. **machine busy %**: share of all CPU time on the" \
      "machine that was not idle during the point (\`/proc/stat\`), whoever used it. A target with few cores used" \
      "on a busy machine was starved by other processes. **CPU µs/req**: the target's CPU time divided by the" \
      "requests; it does not include PostgreSQL, Redis or wrk."
    echo "- A dash in the latency columns means no request completed within the point: wrk then has no latency" \
      "to report."
    echo "- **Redis cmds/req**: the change of the summed \`calls\` of \`INFO commandstats\` during the point," \
      "divided by the requests; it counts the commands Lua scripts run as well as the scripts (\`EVALSHA\`)." \
      "$(redis_scope_text) **EVALSHA/req** is the \`EVALSHA\` share of that count."
    echo "- Per-request counts (CPU, Redis, PostgreSQL) divide by the requests wrk completed. Requests still in" \
      "flight when a point ends (at most one per connection) reached the servers too, so these counts run high" \
      "by up to connections/requests, which matters most at 1024 connections and low throughput."
    echo "- **$pg_heading**: $(pg_method_text)"
    echo
    echo "$tuning"
  } >"$REPORT"
}

draw_chart
write_report
