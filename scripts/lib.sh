# Shared by the ./ledger verbs: installing what is missing, PostgreSQL, building.
# shellcheck shell=bash

LEDGER_DATA="${LEDGER_DATA:-$LEDGER_ROOT/.data}"
LEDGER_PG_PORT="${LEDGER_PG_PORT:-5432}"
LEDGER_BUILD_CONFIGURATION="${LEDGER_BUILD_CONFIGURATION:-Release}"
LEDGER_PG_STARTED_BY_US=""

say() { printf 'ledger: %s\n' "$*" >&2; }
die() { printf 'ledger: %s\n' "$*" >&2; exit 1; }

# Debian packages the Ledger needs at run time and for tests; installed only when missing.
# The Kafka client and the local Kafka use the librdkafka that Confluent.Kafka ships: nothing to install.
ledger_ensure_packages() {
  local wanted=(postgresql curl "$@") missing=() package
  for package in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "missing packages (${missing[*]}); run as root or install them with apt-get"
  say "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" </dev/null >/dev/null
}

# The build's own output (errors only) goes to stderr, like every other message of the scripts: stdout
# is the verb's (the events of ./ledger tail, the report of ./ledger rebuild).
ledger_build() {
  say "building ($LEDGER_BUILD_CONFIGURATION)"
  dotnet build "$LEDGER_ROOT/Ledger.sln" -c "$LEDGER_BUILD_CONFIGURATION" -nologo -v quiet -clp:ErrorsOnly </dev/null >&2 \
    || die "build failed"
}

ledger_dll() { # project name -> path of its built assembly
  echo "$LEDGER_ROOT/src/$1/bin/$LEDGER_BUILD_CONFIGURATION/net10.0/$1.dll"
}

# The machine's PostgreSQL cluster: started if it is down (and stopped again by ledger_pg_stop),
# with a role "ledger" whose password is generated once and kept in .data (never committed).
ledger_pg_start() {
  local cluster version name status
  cluster="$(pg_lsclusters -h 2>/dev/null | awk -v port="$LEDGER_PG_PORT" '$3 == port {print $1, $2, $4; exit}')"
  [ -n "$cluster" ] || die "no PostgreSQL cluster on port $LEDGER_PG_PORT (see pg_lsclusters; set LEDGER_PG_PORT)"
  read -r version name status <<<"$cluster"
  if [ "$status" != "online" ]; then
    say "starting PostgreSQL $version/$name on port $LEDGER_PG_PORT"
    pg_ctlcluster "$version" "$name" start
    LEDGER_PG_STARTED_BY_US="$version $name"
  fi
  local deadline=$((SECONDS + 60))
  until runuser -u postgres -- pg_isready -q -h 127.0.0.1 -p "$LEDGER_PG_PORT"; do
    [ $SECONDS -lt $deadline ] || die "PostgreSQL did not accept connections within 60 s"
    sleep 0.2
  done

  mkdir -p "$LEDGER_DATA"
  local password_file="$LEDGER_DATA/postgres.password"
  [ -s "$password_file" ] || (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$password_file")
  LEDGER_PG_PASSWORD="$(cat "$password_file")"
  runuser -u postgres -- psql -q -p "$LEDGER_PG_PORT" -v ON_ERROR_STOP=1 -v password="$LEDGER_PG_PASSWORD" >/dev/null <<'SQL'
select format('create role ledger login createdb createrole password %L', :'password')
 where not exists (select 1 from pg_roles where rolname = 'ledger') \gexec
alter role ledger with login createdb createrole password :'password';
-- Tests drop their databases WITH (FORCE), which ends sessions of other roles too (ledger_analyst).
grant pg_signal_backend to ledger;
select 'create database ledger owner ledger'
 where not exists (select 1 from pg_database where datname = 'ledger') \gexec
SQL
  export LEDGER_PG_PASSWORD
}

# Local mode's Kafka starts empty every time, so its read models must too: a database that
# remembered another log's events and offsets would disagree with the new log.
ledger_pg_reset_database() {
  say "resetting database $1 (local Kafka starts empty, so the read models do too)"
  runuser -u postgres -- psql -q -p "$LEDGER_PG_PORT" -v ON_ERROR_STOP=1 >/dev/null \
    -c "drop database if exists \"$1\" with (force)" -c "create database \"$1\" owner ledger"
  # The one step of the schema only a superuser can take (the large-object functions of migration
  # 0006): taken here, as one; the projector, which is not, finds it done when it migrates.
  runuser -u postgres -- psql -q -p "$LEDGER_PG_PORT" -d "$1" -v ON_ERROR_STOP=1 >/dev/null \
    <"$LEDGER_ROOT/src/Ledger.Projector/Schema/Migrations/0006_analyst_writes_nothing.sql"
}

ledger_pg_connection() { # database name -> Npgsql connection string
  echo "Host=127.0.0.1;Port=$LEDGER_PG_PORT;Username=ledger;Password=$LEDGER_PG_PASSWORD;Database=$1"
}

ledger_pg_stop() {
  [ -n "$LEDGER_PG_STARTED_BY_US" ] || return 0
  say "stopping PostgreSQL $LEDGER_PG_STARTED_BY_US (this run started it)"
  # shellcheck disable=SC2086
  pg_ctlcluster $LEDGER_PG_STARTED_BY_US stop -m fast || true
  LEDGER_PG_STARTED_BY_US=""
}

# Waits until a URL answers 200, or fails after the given seconds.
ledger_wait_http() {
  local url="$1" seconds="$2" pid="${3:-}" deadline=$((SECONDS + $2))
  until curl -fsS -o /dev/null "$url" 2>/dev/null; do
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then die "process $pid ended before $url was ready"; fi
    [ $SECONDS -lt $deadline ] || die "$url was not ready within $seconds s"
    sleep 0.2
  done
}

# Local mode's token signing key (HS256, 32 random bytes, base64), made once per clone and kept in
# .data (never committed). It is local mode's own: production configures Auth__SigningKey itself.
ledger_signing_key() {
  mkdir -p "$LEDGER_DATA"
  local key_file="$LEDGER_DATA/jwt-signing.key"
  [ -s "$key_file" ] || (umask 077; head -c 32 /dev/urandom | base64 -w0 >"$key_file")
  cat "$key_file"
}
