# ./ledger rebuild: every read model rebuilt from the event store and swapped in.
# shellcheck shell=bash

ledger_rebuild() {
  trap 'ledger_pg_stop' EXIT
  ledger_ensure_packages
  ledger_build
  local connection="${Postgres__ConnectionString:-}"
  if [ -z "$connection" ]; then
    ledger_pg_start
    connection="$(ledger_pg_connection ledger)"
  fi
  say "rebuilding the read models (the old tables keep serving until the swap)"
  Postgres__ConnectionString="$connection" dotnet "$(ledger_dll Ledger.Projector)" rebuild "$@"
}
