#!/usr/bin/env bash
# Best effort: start a local PostgreSQL for the ledger tests and print its DSN.
# Prints nothing (and exits 0) when it cannot: the PostgreSQL tests then skip with a reason.
# Needs root and Debian's postgresql package (installed here when apt-get is available).
set -u
DSN="postgresql://edcissuer:edcissuer@127.0.0.1:5432/edcissuer_test"
[ "$(id -u)" = "0" ] || exit 0
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  command -v apt-get >/dev/null 2>&1 || exit 0
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >/dev/null 2>&1 || exit 0
fi
read -r version cluster _ < <(pg_lsclusters --no-header 2>/dev/null | head -n 1) || exit 0
[ -n "${version:-}" ] || exit 0
pg_ctlcluster "$version" "$cluster" start >/dev/null 2>&1 || true
for _ in 1 2 3 4 5 6 7 8 9 10; do
  su postgres -c "psql -tAc 'select 1'" >/dev/null 2>&1 && break
  sleep 1
done
su postgres -c "psql -tAc \"select 1 from pg_roles where rolname='edcissuer'\"" 2>/dev/null | grep -q 1 \
  || su postgres -c "psql -qc \"create role edcissuer login password 'edcissuer'\"" >/dev/null 2>&1 || exit 0
su postgres -c "psql -tAc \"select 1 from pg_database where datname='edcissuer_test'\"" 2>/dev/null | grep -q 1 \
  || su postgres -c "createdb -O edcissuer edcissuer_test" >/dev/null 2>&1 || exit 0
echo "$DSN"
