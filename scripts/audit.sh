# ./ledger audit: the audit of the live local ledger (the one `./ledger up` runs), straight against
# its PostgreSQL database and Kafka, as GET /v1/audit does. Exit 0 when ok, 1 when not, 2 when it
# could not read the ledger.
# shellcheck shell=bash

ledger_audit_unreadable() { printf 'ledger: %s\n' "$*" >&2; exit 2; }

ledger_audit() {
  local bootstrap_file="$LEDGER_DATA/kafka.bootstrap"
  [ -f "$(ledger_dll Ledger.Api)" ] || ledger_build
  if [ -z "${Postgres__ConnectionString:-}" ]; then
    [ -s "$LEDGER_DATA/postgres.password" ] || ledger_audit_unreadable "no local ledger: start one with ./ledger up (or set Postgres__ConnectionString)"
    LEDGER_PG_PASSWORD="$(cat "$LEDGER_DATA/postgres.password")"
    export Postgres__ConnectionString; Postgres__ConnectionString="$(ledger_pg_connection ledger)"
  fi
  if [ -z "${Kafka__BootstrapServers:-}" ]; then
    [ -s "$bootstrap_file" ] || ledger_audit_unreadable "no local Kafka ($bootstrap_file): start the ledger with ./ledger up (or set Kafka__BootstrapServers)"
    export Kafka__BootstrapServersFile="$bootstrap_file"
  fi
  export Kafka__Partitions="${Kafka__Partitions:-${LEDGER_PARTITIONS:-12}}"
  # Quiet logs: the report is the output.
  Logging__LogLevel__Default=Warning dotnet "$(ledger_dll Ledger.Api)" audit "$@"
}
