#!/usr/bin/env bash
# Throwaway PostgreSQL and Redis on loopback for tests and CI.
#   scripts/services.sh start  -> prints `export DATABASE_URL=... REDIS_URL=...` lines (eval them)
#   scripts/services.sh stop
set -euo pipefail
PG_PORT=${LF_PG_PORT:-5439}
REDIS_PORT=${LF_REDIS_PORT:-6390}
DIR=${LF_SERVICES_DIR:-/tmp/labelforge-services}
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)}

start_pg() {
  if [ -z "$PGBIN" ]; then echo "PostgreSQL binaries not found (apt-get install postgresql)" >&2; exit 1; fi
  mkdir -p "$DIR/pg"
  if ! "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; then
    if [ "$(id -u)" = 0 ]; then AS=(runuser -u postgres --); chown -R postgres:postgres "$DIR/pg"; else AS=(); fi
    [ -f "$DIR/pg/data/PG_VERSION" ] || "${AS[@]}" "$PGBIN/initdb" -D "$DIR/pg/data" -U postgres -A trust --no-sync -E UTF8 --locale=C.UTF-8 >/dev/null
    "${AS[@]}" "$PGBIN/pg_ctl" -D "$DIR/pg/data" -l "$DIR/pg/server.log" -w \
      -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $DIR/pg -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null
  fi
  "$PGBIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='labelforge'" | grep -q 1 \
    || "$PGBIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres labelforge
}

start_redis() {
  if ! command -v redis-server >/dev/null; then echo "redis-server not found (apt-get install redis-server)" >&2; exit 1; fi
  mkdir -p "$DIR/redis"
  if ! redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
      --pidfile "$DIR/redis/redis.pid" --logfile "$DIR/redis/redis.log" --dir "$DIR/redis" >/dev/null
    for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  fi
}

case "${1:-}" in
  start)
    start_pg >&2
    start_redis >&2
    echo "export DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PORT/labelforge"
    echo "export REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0"
    ;;
  stop)
    if [ -f "$DIR/pg/data/PG_VERSION" ]; then
      if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$PGBIN/pg_ctl" -D "$DIR/pg/data" -m fast -w stop >/dev/null || true
      else "$PGBIN/pg_ctl" -D "$DIR/pg/data" -m fast -w stop >/dev/null || true; fi
    fi
    redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
