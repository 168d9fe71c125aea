# ./ledger soak: seeded random fault trials against real processes, the audit after each.
# shellcheck shell=bash

ledger_soak() {
  local trials=16 seed="" commands=60 trial="" lanes=2 generation=25
  while [ $# -gt 0 ]; do
    case "$1" in
      --trials) trials="${2:?--trials needs a number}"; shift 2 ;;
      --seed) seed="${2:?--seed needs a number}"; shift 2 ;;
      --commands) commands="${2:?--commands needs a number}"; shift 2 ;;
      --trial) trial="${2:?--trial needs a number}"; shift 2 ;;
      --lanes) lanes="${2:?--lanes needs a number}"; shift 2 ;;
      --generation) generation="${2:?--generation needs a number}"; shift 2 ;;
      *) die "soak: unknown option '$1' (options: --trials N, --seed S, --commands N, --trial I, --lanes L, --generation G)" ;;
    esac
  done
  [[ "$trials" =~ ^[1-9][0-9]{0,3}$ ]] || die "soak: --trials must be a number from 1 to 9999"
  [[ "$commands" =~ ^[1-9][0-9]{1,4}$ ]] || die "soak: --commands must be a number from 10 to 99999"
  [ -z "$seed" ] || [[ "$seed" =~ ^[0-9]{1,9}$ ]] || die "soak: --seed must be a number"
  [[ "$lanes" =~ ^[1-8]$ ]] || die "soak: --lanes must be a number from 1 to 8"
  [[ "$generation" =~ ^[1-9][0-9]{0,3}$ ]] || die "soak: --generation must be a number from 1 to 9999"
  [ -n "$seed" ] || seed=$((RANDOM * 32768 + RANDOM))
  [ -z "$trial" ] || { [[ "$trial" =~ ^[0-9]{1,4}$ ]] && [ "$trial" -lt "$trials" ]; } || die "soak: --trial must be the number of one of the --trials (0 to trials-1)"

  ledger_ensure_packages # PostgreSQL's binaries: the soak runs a cluster of its own, never the machine's
  ledger_build
  local log="$LEDGER_DATA/soak.log" status=0
  mkdir -p "$LEDGER_DATA"; : >"$log"
  say "soak: $trials trials of $commands commands, seed $seed, $lanes lane(s), a new ledger every $generation trials of a lane; progress in $log"
  tail -n +1 -f "$log" &
  local tail_pid=$!
  LEDGER_BUILD_CONFIGURATION="$LEDGER_BUILD_CONFIGURATION" \
  LEDGER_SOAK_TRIALS="$trials" LEDGER_SOAK_COMMANDS="$commands" LEDGER_TEST_SEED="$seed" LEDGER_SOAK_LOG="$log" \
  LEDGER_SOAK_TRIAL="$trial" LEDGER_SOAK_LANES="$lanes" LEDGER_SOAK_GENERATION_TRIALS="$generation" \
    dotnet test "$LEDGER_ROOT/tests/Ledger.Tests/Ledger.Tests.csproj" -c "$LEDGER_BUILD_CONFIGURATION" --no-build -nologo \
      --filter "FullyQualifiedName~Ledger.Tests.Faults.FaultSoakTests" --logger "console;verbosity=minimal" </dev/null || status=$?
  kill "$tail_pid" 2>/dev/null || true
  wait "$tail_pid" 2>/dev/null || true
  if [ "$status" -eq 0 ]; then say "soak: passed ($trials trials, seed $seed)"; else say "soak: FAILED (seed $seed replays it: ./ledger soak --trials $trials --seed $seed --commands $commands --lanes $lanes --generation $generation; the failing trial alone: the command printed above)"; fi
  return "$status"
}
