#!/usr/bin/env bash
# Create .venv with the pinned dependencies and servtrade installed in it.
# Usage: bash scripts/setup.sh [--dev]
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if ! command -v "$PYTHON" >/dev/null && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq python3 python3-venv >/dev/null
fi

# Debian packages the project uses outside Python: Pango and HarfBuzz's subsetter for PDF
# reports (WeasyPrint), Noto Sans CJK for Chinese text; for the tests, poppler-utils to
# check PDFs, chromium for the dashboard's browser tests (Playwright drives it) and a JDK.
debs=(fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)
if [ "${1:-}" = "--dev" ]; then
    debs+=(poppler-utils chromium)
    # Spark (local mode in the tests) runs on a JDK.
    command -v java >/dev/null || debs+=(default-jdk-headless)
fi
missing=()
for package in "${debs[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "servtrade's PDF reports need these Debian packages: ${missing[*]}" >&2
    fi
fi
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "servtrade needs Python 3.11 or newer (found $("$PYTHON" --version))" >&2
    exit 1
fi
if [ ! -x .venv/bin/python ]; then
    if ! "$PYTHON" -m venv .venv 2>/dev/null; then
        # Debian and Ubuntu ship venv separately.
        rm -rf .venv
        if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
            apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
        fi
        "$PYTHON" -m venv .venv
    fi
fi
.venv/bin/python -m pip install --quiet --upgrade pip
lock=requirements.lock
if [ "${1:-}" = "--dev" ]; then
    lock=requirements-dev.lock
fi
.venv/bin/python -m pip install --quiet -r "$lock"
.venv/bin/python -m pip install --quiet --no-deps --no-build-isolation -e .
# The compiled message catalog, read at start-up (the .po is the source; without a current
# .mo servtrade reads the .po, only more slowly). Babel's own compiler would flag every
# message with a literal "%" (as in "80% interval") as a broken %-format; none is one.
.venv/bin/python - <<'PYTHON'
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

for source in Path("src/servtrade/i18n/locale").glob("*/LC_MESSAGES/messages.po"):
    with source.open("rb") as handle:
        catalog = read_po(handle, locale=source.parts[-3])
    with source.with_suffix(".mo").open("wb") as handle:
        write_mo(handle, catalog)
PYTHON
