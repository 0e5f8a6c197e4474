#!/usr/bin/env bash
# Install everything the test suite needs, then run all of it: lint first, then pytest.
# This is the README's test command and what .ci/run calls; extra arguments go to pytest.
# On a fresh Debian machine with only Python 3 it installs: Debian's Chromium, a headless Java runtime (for
# the Nu HTML Checker and jing) and Node.js/npm when they are missing, then axe-core and vnu-jar at the
# versions pinned in package-lock.json. The browser and validator tests are never skipped where CI is set.
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages. Playwright drives Debian's Chromium; `playwright install` is never used (its download
# host is unreachable here, and CI must not depend on it).
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
if ((${#need[@]})); then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    apt="$sudo env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=900 -o Acquire::Retries=3"
    $apt update
    $apt install -y --no-install-recommends "${need[@]}"
fi

python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -e '.[test]'

# axe-core and the Nu HTML Checker (vnu.jar), exactly as package-lock.json pins them. --ignore-scripts:
# vnu-jar's postinstall would try to download a Java runtime when java is missing.
npm ci --no-audit --no-fund --ignore-scripts --loglevel=error

.venv/bin/ruff check src tests scripts
.venv/bin/python -m pytest "$@"
