#!/usr/bin/env bash
# Starts the local PostgreSQL and Redis the tests use when they are not answering (this kind of
# machine has both installed; on others, point TEST_POSTGRES_URL / TEST_REDIS_URL elsewhere).
set -uo pipefail

postgres_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }
redis_up() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ]; }

# A machine without them at all: install Debian's packages when we may (as for Chromium).
missing=()
command -v pg_isready >/dev/null 2>&1 || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
if [ "${#missing[@]}" -gt 0 ] && [ -n "${TEST_POSTGRES_URL:-}${TEST_REDIS_URL:-}" ]; then
  missing=()
fi
if [ "${#missing[@]}" -gt 0 ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "Installing ${missing[*]} for the storage and cluster tests (once)…"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! postgres_up; then
  echo "Starting PostgreSQL…"
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    for version in $(ls /etc/postgresql 2>/dev/null); do
      pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    done
  fi
  for _ in $(seq 1 30); do postgres_up && break; sleep 1; done
fi
if postgres_up; then
  echo "PostgreSQL: answering on 127.0.0.1:5432"
  # The tests connect as postgres without a password (trust on loopback, as on this project's
  # machines); elsewhere set TEST_POSTGRES_URL=postgres://user:password@host:port/postgres.
else
  echo "PostgreSQL: NOT answering on 127.0.0.1:5432 (set TEST_POSTGRES_URL to use another)" >&2
fi

if ! redis_up; then
  echo "Starting Redis…"
  if command -v redis-server >/dev/null 2>&1; then
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
  fi
  for _ in $(seq 1 30); do redis_up && break; sleep 1; done
fi
if redis_up; then
  echo "Redis: answering on 127.0.0.1:6379"
else
  echo "Redis: NOT answering on 127.0.0.1:6379 (set TEST_REDIS_URL to use another)" >&2
fi
