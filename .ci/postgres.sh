# Sourced by .ci/run (and usable by hand: `source .ci/postgres.sh; start_postgres`): a throw-away PostgreSQL server for
# the tests that read data from PostgreSQL. Debian's package is installed when missing; the cluster is initdb'd into a
# temporary folder owned by the postgres user (PostgreSQL refuses to run as root), listens on 127.0.0.1 and a socket in
# that folder, on a free port; a role and database "bayeshlm" are created, and BAYESHLM_TEST_POSTGRES holds the
# connection string. stop_postgres stops it and removes the folder (start_postgres sets it as the EXIT trap).

stop_postgres() {
  if [ -n "${BAYESHLM_PG_ROOT:-}" ] && [ -d "$BAYESHLM_PG_ROOT" ]; then
    $BAYESHLM_PG_AS "$BAYESHLM_PG_BIN/pg_ctl" -D "$BAYESHLM_PG_ROOT/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$BAYESHLM_PG_ROOT"
  fi
  unset BAYESHLM_PG_ROOT
}

start_postgres() {
  local sudo="" bin
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo="sudo"
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$bin" ]; then
    # Another apt-get may hold the dpkg lock: wait for it (up to 10 minutes) rather than fail.
    $sudo apt-get -o DPkg::Lock::Timeout=600 update -qq && \
      $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends postgresql >/dev/null \
      || { echo "warning: could not install postgresql; the PostgreSQL tests will fail" >&2; return 1; }
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  fi
  BAYESHLM_PG_BIN=$bin
  BAYESHLM_PG_ROOT=$(mktemp -d "${TMPDIR:-/tmp}/bayeshlm-pg.XXXXXX")
  chmod 755 "$BAYESHLM_PG_ROOT"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$BAYESHLM_PG_ROOT"
    BAYESHLM_PG_AS="runuser -u postgres --"
  else
    BAYESHLM_PG_AS=""
  fi
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null || echo $((20000 + RANDOM % 20000)))
  trap stop_postgres EXIT
  $BAYESHLM_PG_AS "$bin/initdb" -D "$BAYESHLM_PG_ROOT/data" -A trust -U postgres -E UTF8 --no-sync >"$BAYESHLM_PG_ROOT/initdb.log" 2>&1 \
    || { echo "warning: initdb failed:" >&2; cat "$BAYESHLM_PG_ROOT/initdb.log" >&2; return 1; }
  $BAYESHLM_PG_AS "$bin/pg_ctl" -D "$BAYESHLM_PG_ROOT/data" -l "$BAYESHLM_PG_ROOT/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $BAYESHLM_PG_ROOT -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null \
    || { echo "warning: PostgreSQL did not start:" >&2; cat "$BAYESHLM_PG_ROOT/server.log" >&2; return 1; }
  $BAYESHLM_PG_AS "$bin/psql" -h "$BAYESHLM_PG_ROOT" -p "$port" -U postgres -d postgres -qAt -v ON_ERROR_STOP=1 \
    -c "CREATE ROLE bayeshlm LOGIN PASSWORD 'bayeshlm'" -c "CREATE DATABASE bayeshlm OWNER bayeshlm" >/dev/null \
    || { echo "warning: could not create the test database" >&2; return 1; }
  export BAYESHLM_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=bayeshlm;Password=bayeshlm;Database=bayeshlm"
  export BAYESHLM_PG_ROOT BAYESHLM_PG_BIN BAYESHLM_PG_AS
  echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (data in $BAYESHLM_PG_ROOT)" >&2
}
