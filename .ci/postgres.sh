#!/usr/bin/env bash
# Makes sure PostgreSQL answers on 127.0.0.1:5432 with trust auth and that the test database exists.
set -euo pipefail
if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432
if ! psql -h 127.0.0.1 -U postgres -Atc "select 1 from pg_database where datname = 'test'" | grep -q 1; then
  createdb -h 127.0.0.1 -U postgres test
fi
# Drop schemas left by test runs that were killed.
psql -h 127.0.0.1 -U postgres -d test -Atc \
  "select string_agg(format('drop schema %I cascade', nspname), '; ') from pg_namespace where nspname like 'gh_test_%'" \
  | { read -r drops || true; [ -n "${drops:-}" ] && psql -q -h 127.0.0.1 -U postgres -d test -c "$drops" || true; }
# Drop databases left by multi-instance test runs that were killed.
psql -h 127.0.0.1 -U postgres -d postgres -Atc "select datname from pg_database where datname like 'gh_test_db_%'" \
  | while read -r name; do [ -n "$name" ] && psql -q -h 127.0.0.1 -U postgres -d postgres -c "drop database if exists $name with (force)"; done || true
echo "PostgreSQL ready"
