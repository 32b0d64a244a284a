# Shared steps of bench/run.sh and bench/idle-connections.sh: build, throwaway certificate,
# databases, starting and stopping the servers, and reading process and server counters.
# Sourced, not run. Every server, database and Redis key it creates is removed by bench_cleanup.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)

PG_SERVER_URL=${BENCH_PG_URL:-postgresql://postgres@127.0.0.1:5432}
REDIS_HOST=${BENCH_REDIS_HOST:-127.0.0.1}
REDIS_PORT=${BENCH_REDIS_PORT:-6379}
CLK_TCK=$(getconf CLK_TCK)

# Limits high enough that no benchmark request is ever refused, so the limiter script still runs on
# every request. One-second windows keep each sorted set at about one second of requests, instead
# of letting it grow for the whole run.
LIMIT_REQUESTS=1000000000
LIMIT_WINDOW_SECONDS=1

CREATED_DATABASES=()
STARTED_PIDS=()
REDIS_CLEANUPS=()

log() {
  printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2
}

die() {
  log "error: $*"
  exit 1
}

require_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || die "$tool is not installed; see the Benchmarks section of README.md"
  done
}

# wrk needs one descriptor per connection; raise the soft limit to the hard one when that is short.
# Reads CONNECTIONS, a list of connection counts.
check_open_files() {
  local needed max=0 connections
  for connections in $CONNECTIONS; do
    if ((connections > max)); then
      max=$connections
    fi
  done
  needed=$((max + 256))
  if (($(ulimit -n) < needed)); then
    ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  fi
  (($(ulimit -n) >= needed)) || die "ulimit -n is $(ulimit -n), below the $needed that $max connections need; raise it"
}

# Creates the work folder (certificate, logs, raw results). It is removed on success; on failure
# only the private key is removed and the folder is kept for its logs.
make_workdir() {
  WORK=$(mktemp -d /tmp/secure-pets-bench.XXXXXX)
  RUN_ID=$(basename "$WORK" | sed 's/.*\.//' | tr 'A-Z' 'a-z')
  mkdir -p "$WORK/logs" "$WORK/points"
}

build_jar() {
  if [[ ${BENCH_SKIP_BUILD:-0} == 1 && -f $ROOT/target/secure-pets-api.jar ]]; then
    log "using the existing target/secure-pets-api.jar (BENCH_SKIP_BUILD=1)"
    return
  fi
  log "building target/secure-pets-api.jar"
  (cd "$ROOT" && mvn -B -q package -DskipTests) >"$WORK/logs/build.log" 2>&1 \
    || die "the build failed; see $WORK/logs/build.log"
}

make_certificate() {
  "$ROOT/certs/generate-dev-cert.sh" "$WORK/tls" >/dev/null
  TLS_CERT=$WORK/tls/dev-cert.pem
  TLS_KEY=$WORK/tls/dev-key.pem
}

psql_admin() {
  psql "$PG_SERVER_URL/postgres" -v ON_ERROR_STOP=1 -qAt "$@"
}

create_database() {
  local name=$1
  psql_admin -c "CREATE DATABASE $name" >/dev/null || die "cannot create database $name on $PG_SERVER_URL"
  CREATED_DATABASES+=("$name")
}

# Prints the first TCP port from $1 upwards that nothing listens on.
free_port() {
  local port=$1
  while ss -Htln "sport = :$port" | grep -q .; do
    port=$((port + 1))
  done
  echo "$port"
}

# Prints the highest-numbered Redis database from 15 down to 1 that contains no key.
empty_redis_db() {
  local db
  for db in $(seq 15 -1 1); do
    if [[ $(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" -n "$db" DBSIZE) == 0 ]]; then
      echo "$db"
      return
    fi
  done
  die "no empty Redis database found from 1 to 15; set BENCH_PEER_REDIS_DB to one the peer may use"
}

# Starts a Redis server for this run alone on a free port and points REDIS_HOST and REDIS_PORT at
# it, so that INFO commandstats counts no other client's commands. Used with BENCH_REDIS=private.
start_private_redis() {
  local attempt
  REDIS_HOST=127.0.0.1
  REDIS_PORT=$(free_port 16379)
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK" \
    >"$WORK/logs/redis.log" 2>&1 </dev/null &
  STARTED_PIDS+=("$!")
  PRIVATE_REDIS=1
  for attempt in $(seq 1 50); do
    if [[ $(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" PING 2>/dev/null) == PONG ]]; then
      log "private Redis server is ready on port $REDIS_PORT"
      return
    fi
    sleep 0.2
  done
  die "the private Redis server did not start; see $WORK/logs/redis.log"
}

# Deletes the keys matching $2 in Redis database $1 (SCAN, never FLUSHDB: the server is shared).
delete_redis_keys() {
  local db=$1 pattern=$2
  redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" -n "$db" --scan --pattern "$pattern" \
    | xargs -r -n 500 redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" -n "$db" DEL >/dev/null
}

# Exports the service's settings. Settings of the caller's environment (PETS_PG_POOL_SIZE, for
# example) reach the service unless they are set here. Call it in a subshell.
export_service_settings() {
  export PETS_ENV=production PETS_HOST=127.0.0.1 PETS_HTTPS_PORT=$SERVICE_PORT PETS_HTTP_PORT=0
  export PETS_PUBLIC_ORIGIN=$SERVICE_URL PETS_TLS_CERT=$TLS_CERT PETS_TLS_KEY=$TLS_KEY
  export PETS_PG_URL=$PG_SERVER_URL/$SERVICE_DB
  export PETS_REDIS_URL=redis://$REDIS_HOST:$REDIS_PORT/0 PETS_REDIS_KEY_PREFIX=$SERVICE_PREFIX
  export PETS_JWT_SECRET=$SERVICE_JWT_SECRET PETS_JWT_TTL_SECONDS=86400
  export PETS_INSTANCES=${BENCH_INSTANCES:-$(nproc)}
  export_raised_limits
}

# ---------------------------------------------------------------------------------------- seeding
# These read URL[target] (an associative array the caller declares), WORK, TLS_CERT and, for the
# peer, PEER_HOME.

create_user() {
  local target=$1 email=$2 name=$3 password=$4
  local scopes="read:pets write:pets delete:pets"
  if [[ $target == service ]]; then
    (export_service_settings && cd "$ROOT" && printf '%s\n' "$password" \
      | java -jar target/secure-pets-api.jar users create --email "$email" --name "$name" --role user --scopes "$scopes")
  else
    (export_peer_settings && cd "$PEER_HOME" && printf '%s\n' "$password" \
      | node cli.js users create --email "$email" --name "$name" --role user --scopes "$scopes")
  fi >>"$WORK/logs/$target-users.log" 2>&1 || die "users create failed on the $target; see $WORK/logs/$target-users.log"
}

login() {
  local target=$1 email=$2 password=$3 body
  body=$(jq -nc --arg email "$email" --arg password "$password" '{email: $email, password: $password}')
  curl -s --cacert "$TLS_CERT" "${URL[$target]}/v1/auth/login" -H 'Content-Type: application/json' -d "$body" \
    | jq -er .accessToken || die "login of $email failed on the $target"
}

# Creates $3 pets through POST /v1/pets on one keep-alive connection and writes their ids to $5.
# Every ${4}th pet is public. Each request block repeats the options, because "next" resets them.
seed_pets() {
  local target=$1 token=$2 count=$3 public_every=$4 ids_file=$5
  local config=$WORK/seed-$target.curl species=(DOG CAT BIRD RABBIT) i public
  : >"$config"
  for ((i = 1; i <= count; i++)); do
    public=false
    if ((i % public_every == 0)); then
      public=true
    fi
    {
      echo "url = \"${URL[$target]}/v1/pets\""
      echo "cacert = \"$TLS_CERT\""
      echo "silent"
      echo "header = \"Authorization: Bearer $token\""
      echo "header = \"Content-Type: application/json\""
      printf 'data = "{\\"name\\":\\"Pet %d\\",\\"species\\":\\"%s\\",\\"breed\\":\\"Breed %d\\",\\"age\\":%d,\\"weight\\":%d.5,\\"isPublic\\":%s}"\n' \
        "$i" "${species[i % 4]}" $((i % 7)) $((i % 31)) $((i % 50)) "$public"
      if ((i < count)); then
        echo "next"
      fi
    } >>"$config"
  done
  if ! curl -K "$config" | jq -r .id >"$ids_file"; then
    die "seeding pets on the $target failed; the requests are in $config"
  fi
  rm -f "$config"
  [[ $(grep -c . "$ids_file") == "$count" ]] || die "seeding pets on the $target created $(grep -c . "$ids_file") of $count"
}

# Starts the Java service in the background and sets SERVICE_PID (the java process itself),
# SERVICE_URL and SERVICE_DB.
start_service() {
  SERVICE_PORT=$(free_port "${BENCH_SERVICE_PORT:-18443}")
  SERVICE_URL=https://127.0.0.1:$SERVICE_PORT
  SERVICE_DB=bench_service_$RUN_ID
  SERVICE_PREFIX="bench-$RUN_ID:"
  SERVICE_JWT_SECRET=$(openssl rand -base64 48)
  create_database "$SERVICE_DB"
  REDIS_CLEANUPS+=("0 $SERVICE_PREFIX*")
  (
    export_service_settings
    cd "$ROOT"
    # shellcheck disable=SC2086 # BENCH_JAVA_OPTS is a list of JVM options
    exec java ${BENCH_JAVA_OPTS:-} -jar target/secure-pets-api.jar serve
  ) >"$WORK/logs/service.out" 2>"$WORK/logs/service.err" </dev/null &
  SERVICE_PID=$!
  STARTED_PIDS+=("$SERVICE_PID")
  wait_ready "$SERVICE_URL" "$SERVICE_PID" service
}

export_raised_limits() {
  local name
  for name in GLOBAL LOGIN CREATE_PET; do
    export "PETS_LIMIT_$name=$LIMIT_REQUESTS" "PETS_LIMIT_${name}_WINDOW_SECONDS=$LIMIT_WINDOW_SECONDS"
  done
  export PETS_SUSPICIOUS_THRESHOLD=$LIMIT_REQUESTS PETS_SUSPICIOUS_WINDOW_SECONDS=$LIMIT_WINDOW_SECONDS
}

# Copies the peer's source to a cache folder outside the repository and runs npm ci there when
# package-lock.json changed since the last install.
install_peer() {
  PEER_SOURCE=${BENCH_PEER_DIR:-/work/shared/peer-express}
  PEER_HOME=${BENCH_PEER_CACHE:-/tmp/secure-pets-bench-peer}
  [[ -f $PEER_SOURCE/server.js ]] || die "no peer at $PEER_SOURCE; set BENCH_PEER_DIR or BENCH_TARGETS=service"
  mkdir -p "$PEER_HOME"
  cp "$PEER_SOURCE"/*.js "$PEER_SOURCE"/package.json "$PEER_SOURCE"/package-lock.json "$PEER_HOME"/
  chmod u+w "$PEER_HOME"/*
  if ! cmp -s "$PEER_HOME/package-lock.json" "$PEER_HOME/node_modules/.installed-lock.json" 2>/dev/null; then
    log "installing the peer's packages in $PEER_HOME (npm ci)"
    (cd "$PEER_HOME" && npm ci --no-audit --no-fund) >"$WORK/logs/npm-ci.log" 2>&1 \
      || die "npm ci failed; see $WORK/logs/npm-ci.log"
    cp "$PEER_HOME/package-lock.json" "$PEER_HOME/node_modules/.installed-lock.json"
  fi
}

# Exports the peer's settings. Call it in a subshell.
export_peer_settings() {
  export PETS_HOST=127.0.0.1 PETS_HTTPS_PORT=$PEER_PORT PETS_HTTP_PORT=0 PETS_PUBLIC_ORIGIN=$PEER_URL
  export PETS_TLS_CERT=$TLS_CERT PETS_TLS_KEY=$TLS_KEY
  export PETS_PG_URL=$PG_SERVER_URL/$PEER_DB
  export PETS_REDIS_URL=redis://$REDIS_HOST:$REDIS_PORT/$PEER_REDIS_DB
  export PETS_JWT_SECRET=$PEER_JWT_SECRET PETS_JWT_TTL_SECONDS=86400
  export PEER_WORKERS=${BENCH_PEER_WORKERS:-2}
  export_raised_limits
}

# Starts the peer (one primary process that forks PEER_WORKERS workers) and sets PEER_PID (the
# primary), PEER_URL and PEER_DB. The peer has no key prefix setting, so it gets a Redis database
# of its own.
start_peer() {
  PEER_PORT=$(free_port "${BENCH_PEER_PORT:-19443}")
  PEER_URL=https://127.0.0.1:$PEER_PORT
  PEER_DB=bench_peer_$RUN_ID
  PEER_REDIS_DB=${BENCH_PEER_REDIS_DB:-$(empty_redis_db)}
  PEER_JWT_SECRET=$(openssl rand -base64 48)
  create_database "$PEER_DB"
  REDIS_CLEANUPS+=("$PEER_REDIS_DB rl:*" "$PEER_REDIS_DB susp:*")
  (
    export_peer_settings
    cd "$PEER_HOME"
    exec node server.js
  ) >"$WORK/logs/peer.out" 2>"$WORK/logs/peer.err" </dev/null &
  PEER_PID=$!
  STARTED_PIDS+=("$PEER_PID")
  wait_ready "$PEER_URL" "$PEER_PID" peer
}

# Waits up to 120 s for GET /health/ready to return 200.
wait_ready() {
  local url=$1 pid=$2 name=$3 attempt
  for attempt in $(seq 1 240); do
    kill -0 "$pid" 2>/dev/null || die "the $name exited at start; see $WORK/logs/$name.err: $(tail -n 3 "$WORK/logs/$name.err")"
    if [[ $(curl -s -o /dev/null -w '%{http_code}' --cacert "$TLS_CERT" "$url/health/ready") == 200 ]]; then
      log "$name is ready at $url (pid $pid)"
      return
    fi
    sleep 0.5
  done
  die "the $name did not become ready at $url within 120 s; see $WORK/logs/$name.err"
}

# Prints the process and its direct children: the peer's workers are children of its primary.
process_tree() {
  echo "$1"
  pgrep -P "$1" || true
}

# Prints the summed resident set size, in KiB, of the given processes and their children.
rss_kib() {
  local pid total=0 rss
  for pid in $(for root in "$@"; do process_tree "$root"; done); do
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    total=$((total + ${rss:-0}))
  done
  echo "$total"
}

# Prints the summed user and system CPU time, in clock ticks, of the given processes and their children.
cpu_ticks() {
  local pid total=0 ticks
  for pid in $(for root in "$@"; do process_tree "$root"; done); do
    # Fields after the "(comm)" field: state is 1, utime 12, stime 13 (proc(5) fields 14 and 15).
    ticks=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{print $12 + $13}' || true)
    total=$((total + ${ticks:-0}))
  done
  echo "$total"
}

# Prints "<busy> <total>" clock ticks of all CPUs since boot, from the first line of /proc/stat;
# busy is everything but idle and iowait.
machine_cpu_ticks() {
  awk '/^cpu / {total = 0; for (i = 2; i <= NF; i++) total += $i; print total - $5 - $6, total; exit}' /proc/stat
}

# Sends SIGTERM, waits up to 15 s, then SIGKILL; then does the same for children left behind.
stop_process() {
  local pid=$1 children attempt
  children=$(pgrep -P "$pid" || true)
  kill -TERM "$pid" 2>/dev/null || return 0
  for attempt in $(seq 1 30); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  kill -KILL "$pid" 2>/dev/null || true
  for pid in $children; do
    kill -TERM "$pid" 2>/dev/null || true
  done
}

# Stops the servers, drops the databases, deletes the Redis keys and the private key. Runs on every
# exit through the EXIT trap; removes the work folder only after a successful run.
bench_cleanup() {
  local status=$? pid db entry
  trap - EXIT INT TERM
  set +e
  # Keys first: a private Redis server stops with the other processes and takes its keys along.
  if [[ -z ${PRIVATE_REDIS:-} ]]; then
    for entry in "${REDIS_CLEANUPS[@]}"; do
      delete_redis_keys "${entry%% *}" "${entry#* }"
    done
  fi
  for pid in "${STARTED_PIDS[@]}"; do
    stop_process "$pid"
  done
  for db in "${CREATED_DATABASES[@]}"; do
    psql_admin -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 \
      || log "could not drop database $db; drop it by hand"
  done
  if [[ -n ${WORK:-} ]]; then
    rm -rf "$WORK/tls"
    if [[ $status == 0 && ${BENCH_KEEP_WORKDIR:-0} != 1 ]]; then
      rm -rf "$WORK"
    else
      log "logs and raw results kept in $WORK"
    fi
  fi
  exit "$status"
}
