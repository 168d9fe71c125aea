# ./ledger up: the whole Ledger on this machine, in the foreground.
# shellcheck shell=bash

LEDGER_CHILDREN=()
LEDGER_KAFKA_PID=""

ledger_start_child() { # name, then the command; output goes to .data/logs/NAME.log
  local name="$1"; shift
  mkdir -p "$LEDGER_DATA/logs"
  "$@" >"$LEDGER_DATA/logs/$name.log" 2>&1 </dev/null &
  LEDGER_CHILDREN+=("$!")
  LEDGER_LAST_PID=$!
}

# Starts the local Kafka as child NAME, writing its address to BOOTSTRAP_FILE (further arguments go
# to Ledger.LocalKafka), and waits until it has written it.
ledger_start_local_kafka() {
  local name="$1" bootstrap_file="$2"; shift 2
  rm -f "$bootstrap_file"
  ledger_start_child "$name" dotnet "$(ledger_dll Ledger.LocalKafka)" --bootstrap-file "$bootstrap_file" "$@"
  LEDGER_KAFKA_PID=$LEDGER_LAST_PID
  local deadline=$((SECONDS + 30))
  until [ -s "$bootstrap_file" ]; do
    kill -0 "$LEDGER_LAST_PID" 2>/dev/null || die "local Kafka ended: see $LEDGER_DATA/logs/$name.log"
    [ $SECONDS -lt $deadline ] || die "local Kafka was not ready within 30 s"
    sleep 0.1
  done
}

# The services first, then the local Kafka they talk to: stopped at the same moment, the services
# would log a connection error per request until they end.
ledger_stop_children() {
  local pid services=()
  for pid in "${LEDGER_CHILDREN[@]}"; do [ "$pid" = "$LEDGER_KAFKA_PID" ] || services+=("$pid"); done
  ledger_stop_pids "${services[@]}"
  [ -z "$LEDGER_KAFKA_PID" ] || ledger_stop_pids "$LEDGER_KAFKA_PID"
  LEDGER_CHILDREN=()
  LEDGER_KAFKA_PID=""
}

# SIGTERM to each process, 15 s for all of them to end, then SIGKILL.
ledger_stop_pids() {
  local pid deadline
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  deadline=$((SECONDS + 15))
  for pid in "$@"; do
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}

ledger_up() {
  local http_port="${LEDGER_HTTP_PORT:-8080}" projector_port="${LEDGER_PROJECTOR_PORT:-8081}"
  local partitions="${LEDGER_PARTITIONS:-12}" brokers="${LEDGER_BROKERS:-3}"
  local bootstrap_file="$LEDGER_DATA/kafka.bootstrap"

  trap 'say "stopping"; ledger_stop_children; ledger_pg_stop; exit 0' INT TERM
  trap 'ledger_stop_children; ledger_pg_stop' EXIT

  ledger_ensure_packages
  ledger_build
  ledger_pg_start
  ledger_pg_reset_database ledger
  local connection; connection="$(ledger_pg_connection ledger)"

  ledger_start_local_kafka local-kafka "$bootstrap_file" --brokers "$brokers" --partitions "$partitions"
  say "local Kafka (in memory: nothing survives it) at $(cat "$bootstrap_file")"

  Auth__SigningKey="$(ledger_signing_key)"
  # The local Kafka starts empty, so snapshots of an earlier run name events it no longer holds:
  # start without them (a writer would refuse them anyway, with a warning).
  Writer__SnapshotDirectory="$LEDGER_DATA/snapshots"
  rm -rf "$Writer__SnapshotDirectory"
  export Kafka__BootstrapServersFile="$bootstrap_file" Kafka__Partitions="$partitions" Postgres__ConnectionString="$connection" Auth__SigningKey \
    Writer__SnapshotDirectory
  ledger_start_child projector env ASPNETCORE_URLS="http://127.0.0.1:$projector_port" dotnet "$(ledger_dll Ledger.Projector)"
  ledger_wait_http "http://127.0.0.1:$projector_port/health/ready" 120 "$LEDGER_LAST_PID"
  ledger_start_child api env ASPNETCORE_URLS="http://127.0.0.1:$http_port" dotnet "$(ledger_dll Ledger.Api)"
  ledger_wait_http "http://127.0.0.1:$http_port/health/ready" 120 "$LEDGER_LAST_PID"

  echo "Ledger is ready at http://127.0.0.1:$http_port"
  say "tokens: ./ledger token --sub alice --role user (roles: user, engine, treasury, analyst, admin)"
  say "logs in $LEDGER_DATA/logs; Ctrl-C to stop"
  # Stay up while every process lives; if one ends, stop the rest.
  wait -n "${LEDGER_CHILDREN[@]}" || true
  say "a Ledger process ended; see $LEDGER_DATA/logs"
  exit 1
}
