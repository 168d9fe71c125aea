# ./ledger test: the whole suite, as CI runs it.
# shellcheck shell=bash

ledger_test() {
  trap 'ledger_pg_stop' EXIT
  # chromium: the dashboard test loads the page headless; prometheus: its promtool lints both /metrics
  ledger_ensure_packages docker-compose chromium prometheus
  # LEDGER_TEST_INFRASTRUCTURE=containers: Kafka and PostgreSQL from Testcontainers (needs a Docker
  # engine; the suite checks the value and the engine). Otherwise this machine's PostgreSQL.
  local infrastructure="${LEDGER_TEST_INFRASTRUCTURE:-local}"
  case "$infrastructure" in
    local) ledger_pg_start ;;
    containers) say "integration tests on Testcontainers (apache/kafka, postgres:15)" ;;
    *) die "LEDGER_TEST_INFRASTRUCTURE=$infrastructure is not known: use local (the default) or containers" ;;
  esac

  say "validating docker-compose.yml"
  POSTGRES_PASSWORD=validation-only LEDGER_JWT_SIGNING_KEY=validation-only docker-compose -f "$LEDGER_ROOT/docker-compose.yml" config -q \
    || die "docker-compose.yml is not valid"

  ledger_build
  ledger_install_openapi_linter
  local results="$LEDGER_DATA/test-results" status=0
  rm -rf "$results"
  local postgres=""
  [ "$infrastructure" = local ] && postgres="$(ledger_pg_connection postgres)"
  LEDGER_TEST_POSTGRES="$postgres" \
  LEDGER_BUILD_CONFIGURATION="$LEDGER_BUILD_CONFIGURATION" \
    dotnet test "$LEDGER_ROOT/Ledger.sln" -c "$LEDGER_BUILD_CONFIGURATION" --no-build -nologo \
      --logger "console;verbosity=normal" --logger "trx;LogFileName=ledger.trx" --results-directory "$results" "$@" \
      </dev/null || status=$?

  # One plain closing line: "tests: N passed, N failed".
  local passed=0 failed=0 trx
  for trx in "$results"/*.trx; do
    [ -f "$trx" ] || continue
    passed=$((passed + $(grep -o 'passed="[0-9]*"' "$trx" | head -1 | tr -dc 0-9)))
    failed=$((failed + $(grep -o 'failed="[0-9]*"' "$trx" | head -1 | tr -dc 0-9)))
  done
  echo "tests: $passed passed, $failed failed"
  [ "$passed" -gt 0 ] || { say "no test ran"; status=1; }
  return "$status"
}

# The OpenAPI linter ApiDocsTests runs: the version pinned in tools/openapi-lint/package-lock.json,
# installed again only when the lock file is newer than what npm last installed.
ledger_install_openapi_linter() {
  local tool="$LEDGER_ROOT/tools/openapi-lint"
  command -v npm >/dev/null || ledger_ensure_packages nodejs npm
  [ "$tool/node_modules/.package-lock.json" -nt "$tool/package-lock.json" ] && return 0
  say "installing the OpenAPI linter (tools/openapi-lint)"
  (cd "$tool" && npm ci --no-audit --no-fund --loglevel=error </dev/null >&2) || die "npm ci in tools/openapi-lint failed"
}
