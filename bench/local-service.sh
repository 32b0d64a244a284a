# Functions that bench/tls-scan.sh and bench/overload.sh source: build the jar, make a certificate,
# create a throwaway database, and start and stop the service on a free port of 127.0.0.1.
# They need bash, openssl, psql, curl and python3 (only to ask the kernel for a free port).
#
# Settings read from the environment:
#   BENCH_PG_ADMIN_URL  PostgreSQL server whose role may create databases
#                       (default postgresql://postgres@127.0.0.1:5432/postgres)
#   BENCH_REDIS_URL     Redis server (default redis://127.0.0.1:6379/0)
# Every run uses its own database and Redis key prefix and removes both at exit.

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_JAR=$BENCH_ROOT/target/secure-pets-api.jar
BENCH_PG_ADMIN_URL=${BENCH_PG_ADMIN_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
BENCH_REDIS_URL=${BENCH_REDIS_URL:-redis://127.0.0.1:6379/0}

bench_log() {
  printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2
}

bench_build() {
  bench_log "building $BENCH_JAR"
  (cd "$BENCH_ROOT" && mvn -B -q package -DskipTests)
}

# Prints a free TCP port on 127.0.0.1. Another process may still take it before the service binds it.
bench_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Writes a self-signed certificate for localhost and 127.0.0.1 to DIR/cert.pem and DIR/key.pem.
# KIND is ecdsa (P-256, as certs/generate-dev-cert.sh makes) or rsa (2048 bits).
bench_certificate() {
  local kind=$1 dir=$2
  local key_options
  case $kind in
    ecdsa) key_options=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1) ;;
    rsa) key_options=(-newkey rsa:2048) ;;
    *) echo "error: unknown certificate kind '$kind': use ecdsa or rsa" >&2; return 64 ;;
  esac
  (umask 077 && openssl req -x509 "${key_options[@]}" -nodes -days 365 -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null)
}

# Creates the database BENCH_DB (a random name) and sets BENCH_PG_URL to it.
bench_create_database() {
  BENCH_DB=pets_bench_$(openssl rand -hex 6)
  psql -q -v ON_ERROR_STOP=1 "$BENCH_PG_ADMIN_URL" -c "CREATE DATABASE $BENCH_DB" >/dev/null
  BENCH_PG_URL=${BENCH_PG_ADMIN_URL%/*}/$BENCH_DB
}

bench_drop_database() {
  if [[ -n ${BENCH_DB:-} ]]; then
    psql -q "$BENCH_PG_ADMIN_URL" -c "DROP DATABASE IF EXISTS $BENCH_DB WITH (FORCE)" >/dev/null || true
    BENCH_DB=
  fi
}

# Deletes the Redis keys under BENCH_REDIS_PREFIX.
bench_clear_redis() {
  if [[ -n ${BENCH_REDIS_PREFIX:-} ]] && command -v redis-cli >/dev/null; then
    redis-cli -u "$BENCH_REDIS_URL" --scan --pattern "${BENCH_REDIS_PREFIX}*" \
      | xargs -r -n 500 redis-cli -u "$BENCH_REDIS_URL" del >/dev/null || true
  fi
}

# Exports the settings of a service on a free port with the certificate in DIR, a random JWT secret,
# a new Redis key prefix and the database from bench_create_database. Callers add or override
# PETS_* variables after this and before bench_start.
bench_export_settings() {
  local dir=$1
  BENCH_PORT=$(bench_free_port)
  BENCH_REDIS_PREFIX=pets-bench-$(openssl rand -hex 6):
  export PETS_HOST=127.0.0.1
  export PETS_HTTPS_PORT=$BENCH_PORT
  export PETS_HTTP_PORT=0
  export PETS_PUBLIC_ORIGIN=https://localhost:$BENCH_PORT
  export PETS_TLS_CERT=$dir/cert.pem
  export PETS_TLS_KEY=$dir/key.pem
  export PETS_PG_URL=$BENCH_PG_URL
  export PETS_REDIS_URL=$BENCH_REDIS_URL
  export PETS_REDIS_KEY_PREFIX=$BENCH_REDIS_PREFIX
  PETS_JWT_SECRET=$(openssl rand -base64 48)
  export PETS_JWT_SECRET
  export PETS_LOG_FORMAT=text
}

# Starts the jar with JVM options $BENCH_JAVA_OPTIONS, logs to DIR/service.out and DIR/service.err,
# sets BENCH_PID and waits up to 60 s for /health/live.
bench_start() {
  local dir=$1
  # shellcheck disable=SC2086 # BENCH_JAVA_OPTIONS is a list of options.
  (cd "$BENCH_ROOT" && exec java ${BENCH_JAVA_OPTIONS:-} -jar "$BENCH_JAR" serve \
    >"$dir/service.out" 2>"$dir/service.err") &
  BENCH_PID=$!
  local deadline=$((SECONDS + 60))
  until curl -fsS --max-time 2 --cacert "$PETS_TLS_CERT" "https://localhost:$BENCH_PORT/health/live" >/dev/null 2>&1; do
    if ! kill -0 "$BENCH_PID" 2>/dev/null; then
      echo "error: the service exited during start; its log:" >&2
      tail -n 20 "$dir/service.err" >&2
      return 1
    fi
    if ((SECONDS > deadline)); then
      echo "error: /health/live returned no success within 60 s; see $dir/service.err" >&2
      return 1
    fi
    sleep 0.5
  done
  bench_log "service pid $BENCH_PID serves https://localhost:$BENCH_PORT"
}

# Sends SIGTERM to the service, waits up to 20 s for it to exit, then kills it.
bench_stop() {
  if [[ -n ${BENCH_PID:-} ]] && kill -0 "$BENCH_PID" 2>/dev/null; then
    kill -TERM "$BENCH_PID"
    local deadline=$((SECONDS + 20))
    while kill -0 "$BENCH_PID" 2>/dev/null && ((SECONDS < deadline)); do
      sleep 0.2
    done
    kill -KILL "$BENCH_PID" 2>/dev/null || true
    wait "$BENCH_PID" 2>/dev/null || true
  fi
  BENCH_PID=
}

bench_cleanup() {
  bench_stop
  bench_clear_redis
  bench_drop_database
}
