# ./ledger tail: the example consumer of ledger.events (examples/Ledger.Tail), against local mode's Kafka by default.
# shellcheck shell=bash

ledger_tail() {
  ledger_ensure_packages
  ledger_build
  local arguments=("$@")
  # Without --bootstrap or --bootstrap-file: the address `./ledger up` wrote for its local Kafka.
  case " $* " in
    *" --bootstrap "*|*" --bootstrap-file "*) ;;
    *) arguments+=(--bootstrap-file "$LEDGER_DATA/kafka.bootstrap") ;;
  esac
  exec dotnet "$LEDGER_ROOT/examples/Ledger.Tail/bin/$LEDGER_BUILD_CONFIGURATION/net10.0/Ledger.Tail.dll" "${arguments[@]}"
}
