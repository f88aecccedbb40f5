#!/usr/bin/env bash
# Set up the development environment, then lint, type-check and run the test suite.
# Usage: bash scripts/test.sh [pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
# The PostgreSQL tests need a server: use the one at 127.0.0.1:5432 (database test), or
# install and start Debian's postgresql when there is none.
export SERVTRADE_TEST_POSTGRES="${SERVTRADE_TEST_POSTGRES:-postgresql://postgres@127.0.0.1:5432/test}"
if ! .venv/bin/python -c "import psycopg, os; psycopg.connect(os.environ['SERVTRADE_TEST_POSTGRES']).close()" 2>/dev/null; then
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
        command -v pg_ctlcluster >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }
        cluster=$(pg_lsclusters --no-header | awk 'NR==1 {print $1" "$2}')
        # shellcheck disable=SC2086
        pg_ctlcluster $cluster start || true
        su postgres -c "psql -qc \"ALTER USER postgres PASSWORD 'servtrade'\"" >/dev/null
        su postgres -c "createdb test" 2>/dev/null || true
        export SERVTRADE_TEST_POSTGRES="postgresql://postgres:servtrade@127.0.0.1:5432/test"
    fi
fi
.venv/bin/ruff check src tests scripts benchmarks
.venv/bin/ruff format --check src tests scripts benchmarks
.venv/bin/mypy
.venv/bin/python -m pytest -n 2 "$@"
