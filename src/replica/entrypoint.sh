#!/bin/sh
# oneroof replica entrypoint: the part of the official postgres image's docker-entrypoint.sh
# that a replica needs (POSTGRES_USER, POSTGRES_DB, PGDATA; trust on the local socket), so a
# container of this image behaves like one of postgres:15. Unlike the official one it creates
# the database in single-user mode, with no temporary server, and then runs postgres as PID 1.
set -eu
: "${PGDATA:=/var/lib/postgresql/data}"
if [ "${1:-}" = postgres ] && [ "$(id -u)" = 0 ]; then
	mkdir -p "$PGDATA" /var/run/postgresql
	chown postgres:postgres "$PGDATA" /var/run/postgresql
	chmod 700 "$PGDATA"
	chmod 2775 /var/run/postgresql
	exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi
if [ "${1:-}" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
	user="${POSTGRES_USER:-postgres}"
	db="${POSTGRES_DB:-$user}"
	case "$user$db" in *[!A-Za-z0-9_]*) echo "POSTGRES_USER/POSTGRES_DB must be plain identifiers" >&2; exit 64 ;; esac
	initdb -D "$PGDATA" -U "$user" --encoding=UTF8 --locale=C \
		--auth-local=trust --auth-host="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}" >/dev/null
	if [ "$db" != postgres ]; then
		echo "CREATE DATABASE \"$db\"" | postgres --single -D "$PGDATA" template1 >/dev/null
	fi
	echo "oneroof replica: initialised $PGDATA (user $user, database $db)"
fi
exec "$@"
