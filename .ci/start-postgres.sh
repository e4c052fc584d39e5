#!/usr/bin/env bash
# Start a private, throw-away PostgreSQL server for the tests and print the
# shell lines that point the tests at it:
#
#     eval "$(.ci/start-postgres.sh)"       # exports SOPFRAME_TEST_POSTGRES_URL
#     .ci/start-postgres.sh stop DIR        # stops it again (DIR is printed too)
#
# The cluster lives in a new temporary directory, listens on 127.0.0.1 only,
# on a free port, with trust authentication.  PostgreSQL refuses to run as
# root, so as root the server runs as the `postgres` user.  If no PostgreSQL
# server binaries are found and this is a Debian-like machine run as root,
# the `postgresql` package is installed first.  Messages go to stderr; only
# the export lines go to stdout.
set -euo pipefail

say() { echo "start-postgres: $*" >&2; }

as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

find_bin() {
    local d
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
    done
    if command -v pg_config >/dev/null 2>&1; then
        d="$(pg_config --bindir)"
        if [ -x "$d/initdb" ]; then echo "$d"; return 0; fi
    fi
    if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; return 0; fi
    return 1
}

if [ "${1:-}" = stop ]; then
    dir="${2:?usage: $0 stop DIR}"
    bin="$(find_bin)" || exit 0
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    exit 0
fi

if ! bin="$(find_bin)"; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "PostgreSQL server binaries not found: installing the postgresql package"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update >&2 && apt-get install -y postgresql >&2
        bin="$(find_bin)" || { say "postgresql installed, but initdb is still not found"; exit 1; }
    else
        say "PostgreSQL server binaries (initdb, pg_ctl) not found; install the postgresql package"
        say "(as root on Debian/Ubuntu: apt-get update && apt-get install -y postgresql)"
        exit 1
    fi
fi

if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
    say "running as root, but there is no 'postgres' user to run the server as"
    exit 1
fi

base="${TMPDIR:-/tmp}"
[ "$(id -u)" = 0 ] && base=/tmp   # the postgres user must be able to reach it
dir="$(mktemp -d "$base/sopframe-pg.XXXXXX")"
chmod 755 "$dir"
[ "$(id -u)" = 0 ] && chown postgres: "$dir"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

as_owner "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 || {
    say "initdb failed:"; cat "$dir/initdb.log" >&2; exit 1; }
as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50" start >&2 || {
    say "the server did not start:"; cat "$dir/server.log" >&2; exit 1; }

say "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') running on 127.0.0.1:$port (data in $dir)"
echo "export SOPFRAME_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:$port/postgres"
echo "export SOPFRAME_TEST_POSTGRES_DIR=$dir"
