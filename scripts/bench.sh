# ./ledger bench: Ledger against a lock-based ledger on PostgreSQL, over HTTP, in one run; writes
# the measured section of docs/benchmarks.md. Starts and stops everything it needs.
# shellcheck shell=bash

source "$LEDGER_ROOT/scripts/up.sh" # ledger_start_child, ledger_stop_children

ledger_stop_child() { # pid: SIGTERM, then SIGKILL after 15 s
  local pid="$1" deadline=$((SECONDS + 15))
  kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

ledger_bench() {
  local quick="" compare="" scaling=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --quick) quick=1 ;;
      --compare) [ $# -ge 2 ] || die "bench: --compare needs a git revision"; compare="$2"; shift ;;
      --scaling) scaling=3
        if [ $# -ge 2 ] && [[ "$2" =~ ^[0-9]+$ ]]; then
          [ "$2" -ge 1 ] && [ "$2" -le 20 ] || die "bench: --scaling takes 1 to 20 rounds"; scaling="$2"; shift
        fi ;;
      *) die "bench: unknown option '$1' (--quick, --compare REV, --scaling [ROUNDS])" ;;
    esac
    shift
  done
  [ -n "$scaling" ] && [ -n "$compare" ] && die "bench: --scaling measures this checkout only (no --compare)"
  # Full: about 15 minutes; quick: a few. Every scenario: warm-up, then the measured window.
  BENCH_WARMUP=5 BENCH_SECONDS=20 BENCH_PROJECTOR_EVENTS=60000 BENCH_BROKER_RECORDS=150000 BENCH_TRANSACTIONS=200
  BENCH_MARTEN_EVENTS=12000 BENCH_MARTEN_ROUNDS=2 BENCH_MARTEN_QUICK=""
  [ -n "$quick" ] && BENCH_WARMUP=3 BENCH_SECONDS=8 BENCH_PROJECTOR_EVENTS=10000 BENCH_BROKER_RECORDS=60000 BENCH_TRANSACTIONS=50 \
    BENCH_MARTEN_EVENTS=4000 BENCH_MARTEN_ROUNDS=1 BENCH_MARTEN_QUICK=1
  BENCH_USERS=10000 BENCH_CALLERS="${LEDGER_BENCH_CALLERS:-256}"
  BENCH_LEDGER_URL="http://127.0.0.1:${LEDGER_BENCH_HTTP_PORT:-18080}" BENCH_PROJECTOR_PORT="${LEDGER_BENCH_PROJECTOR_PORT:-18081}"
  BENCH_BASELINE_URL="http://127.0.0.1:${LEDGER_BENCH_BASELINE_PORT:-18082}" BENCH_BASELINE_PID=""
  # --compare REV: another revision's Ledger, measured beside this one (target "ledger@REV").
  BENCH_COMPARE_URL="http://127.0.0.1:${LEDGER_BENCH_COMPARE_PORT:-18083}" BENCH_COMPARE="" BENCH_COMPARE_ROOT="" BENCH_COMPARE_TURN=0
  BENCH_RESULTS="$LEDGER_DATA/bench/results"
  # The Api's own limits, set explicitly for benchmarking (environment, as in production): the
  # per-user rate limit is lifted so the run measures the ledger, not the limiter (the load puts
  # thousands of commands a second on one user in the hot-account scenario); the admission budgets
  # (in-flight, partition lag) keep their defaults and any refusal they make is counted.
  BENCH_API_LIMITS=(RateLimits__UserCommandsPerSecond=1000000 RateLimits__UserCommandsBurst=10000000
    RateLimits__ServiceCommandsPerSecond=1000000 RateLimits__ServiceCommandsBurst=10000000)
  BENCH_TOOL="$LEDGER_ROOT/bench/Ledger.LoadGenerator/bin/$LEDGER_BUILD_CONFIGURATION/net10.0/Ledger.LoadGenerator.dll"

  trap 'ledger_stop_children; ledger_bench_drop_databases; ledger_bench_remove_compare; ledger_pg_stop' EXIT
  trap 'say "stopping"; exit 130' INT TERM

  ledger_ensure_packages jq librdkafka1 # librdkafka1: the local Kafka in Debian's build, measured beside the bundled one
  ledger_build
  [ -n "$compare" ] && ledger_bench_build_compare "$compare"
  ledger_pg_start
  rm -rf "$BENCH_RESULTS"; mkdir -p "$BENCH_RESULTS"
  ledger_signing_key >/dev/null # local mode's key: the Api checks, the load generator signs
  BENCH_KEY_FILE="$LEDGER_DATA/jwt-signing.key"
  BENCH_POSTMASTER="$(head -1 "$(runuser -u postgres -- psql -tA -p "$LEDGER_PG_PORT" -c 'show data_directory')/postmaster.pid")"
  ledger_bench_machine "$quick" >"$BENCH_RESULTS/machine.txt"

  if [ -n "$scaling" ]; then ledger_bench_scaling "$scaling"; return; fi

  # Ledger (12 partitions) and the baseline run side by side, and each load is measured on one right
  # after the other, so both see the same machine (it is shared, and its load drifts); with --compare,
  # the other revision's Ledger runs beside them too and takes its turn with this one's.
  ledger_bench_start_baseline
  local load distribution
  for load in uniform:uniform zipf:zipf:1.2 hot:hot; do
    distribution="${load#*:}"; load="${load%%:*}"
    ledger_bench_fresh_ledgers 12
    ledger_bench_ledgers "$load" 12 "$distribution" --callers "$BENCH_CALLERS"
    ledger_bench_http baseline "$load" 0 "$distribution" --callers "$BENCH_CALLERS"
    # 12 partitions against 1 is a target, so 1 partition is measured right after 12 rather than at
    # the end of the run: the shared machine's speed drifts by 1.5x and more within minutes.
    if [ "$load" = uniform ]; then ledger_bench_one_partition; fi
  done
  # Both are offered the same rate, half of Ledger's maximum, so their p99s compare at one load (the
  # report says so when the baseline cannot sustain it).
  local half_rate; half_rate="$(ledger_bench_half_rate)"
  ledger_bench_fresh_ledgers 12
  ledger_bench_ledgers half-rate 12 uniform --rate "$half_rate"
  ledger_bench_http baseline half-rate 0 uniform --rate "$half_rate"
  echo "Baseline retries on deadlock, serialization failure or concurrent duplicate: $(curl -fsS "$BENCH_BASELINE_URL/stats" | jq -r '"\(.retries) in \(.commands) commands"')." \
    >>"$BENCH_RESULTS/machine.txt"
  ledger_bench_check_alive
  ledger_stop_children
  BENCH_BASELINE_PID="" BENCH_COMPARE_API_PID="" BENCH_COMPARE_KAFKA_PID=""

  ledger_bench_start_ledger 4
  ledger_bench_http ledger uniform-p4 4 uniform --callers "$BENCH_CALLERS"
  ledger_bench_check_alive
  ledger_stop_children
  ledger_bench_projector
  ledger_bench_marten
  ledger_bench_decide_evolve

  echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)." >>"$BENCH_RESULTS/machine.txt"
  dotnet "$BENCH_TOOL" report --results "$BENCH_RESULTS" --out "$LEDGER_ROOT/docs/benchmarks.md"
  say "docs/benchmarks.md regenerated from $BENCH_RESULTS"
}

ledger_bench_machine() {
  local commit; commit="$(git -C "$LEDGER_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  git -C "$LEDGER_ROOT" diff --quiet HEAD 2>/dev/null || commit="$commit (with uncommitted changes)"
  echo "Date: $(date -u '+%Y-%m-%d %H:%M UTC'); commit $commit; mode: $([ -n "$1" ] && echo 'quick (--quick)' || echo full)."
  echo "Machine: $(nproc) cores (nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/^Mem:/ {print $2}') GiB RAM; PostgreSQL $(runuser -u postgres -- psql -tA -p "$LEDGER_PG_PORT" -c 'show server_version'); .NET $(dotnet --version)."
  echo "Load average at the start: $(cut -d' ' -f1-3 /proc/loadavg) (the machine is shared: other engineers' builds and tests run beside this; absolute numbers are noisy, ratios within this run are what count)."
  echo "Everything on this machine: the load generator, the Api (with its partition writers), the local Kafka (librdkafka's in-memory mock cluster, 3 brokers), the baseline and PostgreSQL."
  echo "Each scenario: ${BENCH_WARMUP} s warm-up, then ${BENCH_SECONDS} s measured; closed loop with ${BENCH_CALLERS} callers (HTTP/1.1 keep-alive connections); ${BENCH_USERS} users funded before each Ledger scenario, on a fresh local Kafka (not measured)."
  echo "Mix: 15 % deposits (treasury token), 15 % withdrawals, 30 % orders on BTC-USD, 25 % fills (engine token) of orders the run placed, 15 % transfers to another user; every request carries an HS256 bearer token minted before the run and a fresh Idempotency-Key."
  echo "Decision latency: from the moment a command was sent (closed loop) or was due (open loop) until its HTTP answer with the decision (201 accepted or 422 rejected) was read by the load generator; it includes the Api's edge, Kafka both ways and the writer."
  echo "Ledger: Ledger.Api with Logging at Warning, Commands:DecisionDeadline 5 s (default), the projector stopped after migrating the schema (the read side is measured on its own below; it does not take part in a decision)."
  echo "Api limits set for the run: ${BENCH_API_LIMITS[*]}; Commands__InFlightMax and Commands__PartitionLagMax at their defaults (5000, 50000)."
  echo "Baseline: bench/Ledger.Baseline, one PostgreSQL transaction per command with SELECT ... FOR UPDATE in (user, asset) order; pool of 64 connections, automatic prepared statements, synchronous_commit=off (the local Kafka keeps commands in memory, so the baseline is not made to wait for a disk either)."
}

# A local Kafka with the given partitions and the Api on it, its users funded: this checkout's, or
# with ROOT and "compare" another revision's (built by ledger_bench_build_compare), on its own port,
# database and local Kafka.
ledger_bench_start_ledger() { # partitions [root compare]
  local partitions="$1" root="${2:-$LEDGER_ROOT}" instance="${3:-}"
  local bootstrap_file="$LEDGER_DATA/bench/kafka.bootstrap" database=ledger_bench url="$BENCH_LEDGER_URL" name=bench
  [ -n "$instance" ] && bootstrap_file="$LEDGER_DATA/bench/kafka-$instance.bootstrap" database="ledger_bench_$instance" \
    url="$BENCH_COMPARE_URL" name="bench-$instance"
  say "Ledger with $partitions partitions${instance:+ ($BENCH_COMPARE)}"
  ledger_pg_reset_database "$database"
  local connection; connection="$(ledger_pg_connection "$database")"
  mkdir -p "$LEDGER_DATA/bench"
  # LEDGER_ROOT for this call only: the local Kafka of the revision under test.
  LEDGER_ROOT="$root" ledger_start_local_kafka "$name-local-kafka" "$bootstrap_file" --brokers 3 --partitions "$partitions" --topic bench.raw
  local kafka_pid="$LEDGER_LAST_PID"
  if [ "$partitions" = 12 ] && [ -z "$instance" ] && [ -z "${BENCH_RAW_MEASURED:-}" ]; then
    BENCH_RAW_MEASURED=1
    say "broker raw produce-and-consume rate"
    dotnet "$BENCH_TOOL" broker --bootstrap-file "$bootstrap_file" --topic bench.raw --partitions "$partitions" \
      --records "$BENCH_BROKER_RECORDS" --results "$BENCH_RESULTS/broker.json"
    ledger_bench_transactions "$bootstrap_file" bundled "$kafka_pid"
  fi

  local environment=(Kafka__BootstrapServersFile="$bootstrap_file" Kafka__Partitions="$partitions"
    Postgres__ConnectionString="$connection" Logging__LogLevel__Default=Warning
    Auth__SigningKey="$(cat "$BENCH_KEY_FILE")")
  # The projector owns the schema: start it until it has migrated, then stop it.
  ledger_start_child "$name-projector" env "${environment[@]}" ASPNETCORE_URLS="http://127.0.0.1:$BENCH_PROJECTOR_PORT" \
    dotnet "$(ledger_bench_dll "$root" Ledger.Projector)"
  local projector_pid="$LEDGER_LAST_PID"
  ledger_wait_http "http://127.0.0.1:$BENCH_PROJECTOR_PORT/health/ready" 120 "$projector_pid"
  ledger_stop_child "$projector_pid"

  ledger_start_child "$name-api" env "${environment[@]}" "${BENCH_API_LIMITS[@]}" ASPNETCORE_URLS="$url" \
    dotnet "$(ledger_bench_dll "$root" Ledger.Api)"
  local api_pid="$LEDGER_LAST_PID"
  ledger_wait_http "$url/health/ready" 120 "$api_pid"
  ledger_bench_fund "$url"
  if [ -n "$instance" ]; then BENCH_COMPARE_API_PID="$api_pid" BENCH_COMPARE_KAFKA_PID="$kafka_pid"
  else BENCH_API_PID="$api_pid" BENCH_KAFKA_PID="$kafka_pid"; fi
}

# Every measured load starts on a fresh local Kafka with the same users funded, as the 4- and
# 1-partition runs do: the local Kafka finds a fetch's offset by walking the partition's record
# batches from the oldest, so its CPU per command grows with the history earlier loads left behind
# (docs/benchmarks.md, "Where the local Kafka's CPU goes"); a Kafka broker's offset index does not.
ledger_bench_fresh_ledgers() { # partitions
  local pid
  for pid in ${BENCH_API_PID:-} ${BENCH_KAFKA_PID:-} ${BENCH_COMPARE_API_PID:-} ${BENCH_COMPARE_KAFKA_PID:-}; do
    ledger_stop_child "$pid"
  done
  [ -n "$BENCH_COMPARE" ] && ledger_bench_start_ledger "$1" "$BENCH_COMPARE_ROOT" compare
  ledger_bench_start_ledger "$1"
}

# This revision's Ledger on 1 partition (a fresh local Kafka, the same users funded) in place of its
# 12-partition one, under the uniform load; then the HTTP floor on the same Api: GET /health/live
# does no work, so no command through this edge, client and cores can be answered faster (the
# bound on "Ledger / broker raw").
ledger_bench_one_partition() {
  ledger_stop_child "$BENCH_API_PID"
  ledger_stop_child "$BENCH_KAFKA_PID"
  ledger_bench_start_ledger 1
  ledger_bench_http ledger uniform-p1 1 uniform --callers "$BENCH_CALLERS"
  ledger_bench_http http-floor health-live 1 uniform --callers "$BENCH_CALLERS" --floor-path /health/live
}

# --scaling ROUNDS: only the target "12 partitions no slower than 1", uniform load, each round both
# on fresh local Kafkas, which goes first alternating round by round; printed, docs/ left as they are.
ledger_bench_scaling() { # rounds
  local round first second p
  BENCH_RAW_MEASURED=1 # the broker's raw rate is not part of this target
  for round in $(seq "$1"); do
    first=12 second=1
    [ $((round % 2)) = 0 ] && first=1 second=12
    for p in "$first" "$second"; do
      ledger_bench_fresh_ledgers "$p"
      ledger_bench_http ledger "uniform-p$p-round$round" "$p" uniform --callers "$BENCH_CALLERS"
    done
  done
  ledger_stop_children
  say "12 partitions against 1, uniform load ($1 rounds; results in $BENCH_RESULTS/scenarios.jsonl)"
  jq -rs 'map(select(.Scenario | startswith("uniform-p"))) | group_by(.Scenario | sub("-p[0-9]+-"; "-"))[]
    | (map(select(.Partitions == 12))[0]) as $twelve | (map(select(.Partitions == 1))[0]) as $one
    | "\($twelve.Scenario | sub("uniform-p12-"; "")): 12 partitions \($twelve.Counts.DecidedPerSecond | floor)/s, 1 partition \($one.Counts.DecidedPerSecond | floor)/s, 12/1 = \(($twelve.Counts.DecidedPerSecond / $one.Counts.DecidedPerSecond * 100 | floor) / 100); load \($twelve.LoadAverage)"' \
    "$BENCH_RESULTS/scenarios.jsonl"
}

ledger_bench_dll() { # root project -> path of its built assembly
  echo "$1/src/$2/bin/$LEDGER_BUILD_CONFIGURATION/net10.0/$2.dll"
}

# --compare REV: that revision's Ledger.Api, projector and local Kafka, built in a temporary git
# worktree under .data (removed at the end); the run measures it beside this checkout's.
ledger_bench_build_compare() { # revision
  local revision short project
  revision="$(git -C "$LEDGER_ROOT" rev-parse --verify --quiet "$1^{commit}")" || die "bench: --compare $1 is not a git revision"
  short="$(git -C "$LEDGER_ROOT" rev-parse --short "$revision")"
  BENCH_COMPARE="ledger@$short" BENCH_COMPARE_ROOT="$LEDGER_DATA/compare/$short"
  say "building $BENCH_COMPARE in $BENCH_COMPARE_ROOT"
  [ -e "$BENCH_COMPARE_ROOT" ] && ledger_bench_remove_compare
  BENCH_COMPARE_ROOT="$LEDGER_DATA/compare/$short"
  mkdir -p "$LEDGER_DATA/compare"
  git -C "$LEDGER_ROOT" worktree add --force --detach "$BENCH_COMPARE_ROOT" "$revision" >/dev/null 2>&1 \
    || die "bench: could not make a worktree for $short in $BENCH_COMPARE_ROOT"
  for project in Ledger.LocalKafka Ledger.Projector Ledger.Api; do
    dotnet build "$BENCH_COMPARE_ROOT/src/$project/$project.csproj" -c "$LEDGER_BUILD_CONFIGURATION" -nologo -v quiet -clp:ErrorsOnly </dev/null \
      || die "building $project at $short failed"
  done
}

ledger_bench_remove_compare() {
  [ -n "${BENCH_COMPARE_ROOT:-}" ] || return 0
  git -C "$LEDGER_ROOT" worktree remove --force "$BENCH_COMPARE_ROOT" 2>/dev/null || rm -rf "$BENCH_COMPARE_ROOT"
  BENCH_COMPARE_ROOT=""
}

# One Kafka transaction's steps on a local Kafka; with "system", on one of its own in Debian's librdkafka.
ledger_bench_transactions() { # bootstrap_file library [local kafka pid]
  local bootstrap_file="$1" library="$2" kafka_pid="${3:-}" pid=""
  if [ "$library" = system ]; then
    ledger_ensure_packages librdkafka1
    bootstrap_file="$LEDGER_DATA/bench/kafka-system.bootstrap"
    ledger_start_local_kafka bench-local-kafka-system "$bootstrap_file" --brokers 3 --partitions 12 --topic bench.raw --library system
    pid="$LEDGER_LAST_PID" kafka_pid="$LEDGER_LAST_PID"
  fi
  say "Kafka transaction steps, mock cluster in the $library librdkafka"
  local common=(--bootstrap-file "$bootstrap_file" --library "$library" --topic bench.raw --partitions 12
    --transactions "$BENCH_TRANSACTIONS" --offsets-topic ledger.commands --kafka-pid "$kafka_pid" --results "$BENCH_RESULTS/transactions.txt")
  dotnet "$BENCH_TOOL" transactions "${common[@]}"
  if [ "$library" != system ]; then
    # The writer's producer settings against those it had before (docs/benchmarks.md, "The writer's transaction").
    dotnet "$BENCH_TOOL" transactions "${common[@]}" --settings background-poll
    # The same records on one partition: what spreading a batch over 12 partitions and 3 brokers
    # costs in CPU, the gap between the writer on 12 partitions and on 1.
    dotnet "$BENCH_TOOL" transactions "${common[@]}" --spread one
  fi
  [ -z "$pid" ] || ledger_stop_child "$pid"
  [ "$library" = system ] || ledger_bench_transactions "" system
}

ledger_bench_start_baseline() {
  local database=ledger_baseline
  say "lock-based baseline on PostgreSQL"
  ledger_pg_reset_database "$database"
  local connection
  connection="$(ledger_pg_connection "$database")" # pool, prepared statements, synchronous_commit: bench/Ledger.Baseline/Program.cs
  ledger_start_child bench-baseline env Baseline__ConnectionString="$connection" ASPNETCORE_URLS="$BENCH_BASELINE_URL" \
    Logging__LogLevel__Default=Warning \
    dotnet "$LEDGER_ROOT/bench/Ledger.Baseline/bin/$LEDGER_BUILD_CONFIGURATION/net10.0/Ledger.Baseline.dll"
  BENCH_BASELINE_PID="$LEDGER_LAST_PID"
  ledger_wait_http "$BENCH_BASELINE_URL/health/ready" 120 "$BENCH_BASELINE_PID"
  ledger_bench_fund "$BENCH_BASELINE_URL"
}

ledger_bench_check_alive() { # the servers under test (the projector was stopped on purpose)
  local pid
  for pid in "$BENCH_API_PID" "$BENCH_KAFKA_PID" ${BENCH_BASELINE_PID:+"$BENCH_BASELINE_PID"} \
    ${BENCH_COMPARE_API_PID:+"$BENCH_COMPARE_API_PID"} ${BENCH_COMPARE_KAFKA_PID:+"$BENCH_COMPARE_KAFKA_PID"}; do
    kill -0 "$pid" 2>/dev/null || die "process $pid ended during the run: see $LEDGER_DATA/logs"
  done
}

ledger_bench_fund() { # url
  dotnet "$BENCH_TOOL" fund --url "$1" --users "$BENCH_USERS" --signing-key-file "$BENCH_KEY_FILE" \
    || die "funding the users failed"
}

# Every process's CPU is watched in every scenario: the idle system's too, since it shares the cores.
# The Ledger under load is watched as "api" and "local kafka", so this revision's and --compare's line up.
ledger_bench_http() { # target scenario partitions distribution, then options
  local target="$1" scenario="$2" partitions="$3" distribution="$4"; shift 4
  local url="$BENCH_LEDGER_URL" api_pid="$BENCH_API_PID" kafka_pid="$BENCH_KAFKA_PID"
  case "$target" in
    baseline) url="$BENCH_BASELINE_URL" ;;
    ledger@*) url="$BENCH_COMPARE_URL" api_pid="$BENCH_COMPARE_API_PID" kafka_pid="$BENCH_COMPARE_KAFKA_PID" ;;
  esac
  local watch=(--watch "api=$api_pid" --watch "local kafka=$kafka_pid" --watch "postgres (whole server)=$BENCH_POSTMASTER")
  [ -n "${BENCH_BASELINE_PID:-}" ] && kill -0 "$BENCH_BASELINE_PID" 2>/dev/null && watch+=(--watch "baseline=$BENCH_BASELINE_PID")
  say "$target, $scenario"
  dotnet "$BENCH_TOOL" http --url "$url" "${watch[@]}" --target "$target" --scenario "$scenario" \
    --partitions "$partitions" --users "$BENCH_USERS" --distribution "$distribution" --warmup "$BENCH_WARMUP" \
    --seconds "$BENCH_SECONDS" --signing-key-file "$BENCH_KEY_FILE" --results "$BENCH_RESULTS/scenarios.jsonl" "$@" \
    || die "$target $scenario decided nothing"
}

# This revision's Ledger under one load and, with --compare, the other revision's: which goes first
# alternates load by load, so that neither is always the one measured right after the other (the
# machine's load drifts; A/A runs with a fixed order favoured the first by 1.2 to 1.3x).
ledger_bench_ledgers() { # scenario partitions distribution, then options
  if [ -z "$BENCH_COMPARE" ]; then ledger_bench_http ledger "$@"; return; fi
  BENCH_COMPARE_TURN=$((BENCH_COMPARE_TURN + 1))
  if [ $((BENCH_COMPARE_TURN % 2)) = 1 ]; then
    ledger_bench_http ledger "$@"
    ledger_bench_http "$BENCH_COMPARE" "$@"
  else
    ledger_bench_http "$BENCH_COMPARE" "$@"
    ledger_bench_http ledger "$@"
  fi
}

ledger_bench_half_rate() { # -> half of Ledger's uniform closed-loop rate with 12 partitions
  jq -s 'map(select(.Target == "ledger" and .Scenario == "uniform")) | last | .Counts.DecidedPerSecond / 2 | floor' \
    "$BENCH_RESULTS/scenarios.jsonl"
}

ledger_bench_projector() {
  say "projector against raw COPY ($BENCH_PROJECTOR_EVENTS events)"
  LEDGER_BENCH_POSTGRES="$(ledger_pg_connection postgres)" dotnet \
    "$LEDGER_ROOT/bench/Ledger.ProjectorBenchmark/bin/$LEDGER_BUILD_CONFIGURATION/net10.0/Ledger.ProjectorBenchmark.dll" \
    "$BENCH_PROJECTOR_EVENTS" 42 | tee "$BENCH_RESULTS/projector.txt"
}

# The read side's design decision (docs/adr/0001-read-side-projector.md): Ledger's projector against
# Marten's event store, projections and async daemon, and a daemon killed with SIGKILL and resumed.
ledger_bench_marten() {
  say "Ledger's projector against Marten ($BENCH_MARTEN_EVENTS events, $BENCH_MARTEN_ROUNDS rounds)"
  LEDGER_BENCH_POSTGRES="$(ledger_pg_connection postgres)" dotnet \
    "$LEDGER_ROOT/bench/Ledger.MartenBenchmark/bin/$LEDGER_BUILD_CONFIGURATION/net10.0/Ledger.MartenBenchmark.dll" \
    "$BENCH_MARTEN_EVENTS" "$BENCH_MARTEN_ROUNDS" "$BENCH_RESULTS/marten.md" ${BENCH_MARTEN_QUICK:+--quick} | tee "$BENCH_RESULTS/marten.txt"
}

ledger_bench_decide_evolve() {
  say "decide/evolve, one thread (--quick)"
  dotnet "$LEDGER_ROOT/bench/Ledger.Benchmarks/bin/$LEDGER_BUILD_CONFIGURATION/net10.0/Ledger.Benchmarks.dll" --quick \
    | tee "$BENCH_RESULTS/decide-evolve.txt"
}

ledger_bench_drop_databases() {
  [ -n "${LEDGER_PG_PASSWORD:-}" ] || return 0
  runuser -u postgres -- psql -q -p "$LEDGER_PG_PORT" >/dev/null 2>&1 \
    -c "drop database if exists ledger_bench with (force)" -c "drop database if exists ledger_baseline with (force)" \
    -c "drop database if exists ledger_bench_compare with (force)" || true
}
