#!/usr/bin/env bash
# Install everything the test suite needs, then run all of it: lint first, then pytest.
# This is the README's test command and what .ci/run calls; extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages: Debian's Chromium for the browser tests. Playwright drives it; `playwright install`
# is never used (its download host is unreachable here, and CI must not depend on it).
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if ((${#need[@]})); then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    apt="$sudo env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=900 -o Acquire::Retries=3"
    $apt update
    $apt install -y --no-install-recommends "${need[@]}"
fi

python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -e '.[test]'

.venv/bin/ruff check src tests scripts
.venv/bin/python -m pytest "$@"
