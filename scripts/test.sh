#!/usr/bin/env bash
# Install everything the test suite needs, then run all of it: lint first, then pytest.
# This is the README's test command and what .ci/run calls; extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -e '.[test]'

.venv/bin/ruff check src tests scripts
.venv/bin/python -m pytest "$@"
