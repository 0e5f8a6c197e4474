"""Safety: the dev server under load, with slow and malformed clients, over loopback.

A smaller version of `scripts/load_test.py` (2,000 requests at 20 connections, 5 stalled clients and 40
malformed ones); run the script by hand for the full 20,000 requests at 50 connections.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from conftest import REPO

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def load_script():
    spec = importlib.util.spec_from_file_location("summitsite_load_test", REPO / "scripts" / "load_test.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def test_dev_server_under_load_has_no_errors_and_no_growth(scratch_site: Path) -> None:
    script = load_script()
    result = script.run(scratch_site, requests=2000, connections=20, slow=5, malformed=40, settle_seconds=15)
    assert result["server_alive"]
    assert result["errors"] == 0, result["error_samples"]
    assert result["statuses"].keys() <= {200, 404}
    # Every malformed request got an HTTP error status (or was closed), never a hang.
    assert set(result["malformed_answers"]) <= {"400", "405", "414", "431", "505", "closed"}, result
    # The stalled clients had their own threads while connected; afterwards the count is back.
    assert result["threads_during_slow"] >= result["threads_before"] + 5
    assert result["threads_after"] <= result["threads_before"] + script.THREAD_SLACK, result
    assert result["rss_kb_growth"] < script.RSS_GROWTH_LIMIT_KB, result
    # The stalled clients did not hold up the others.
    assert result["latency_ms"]["p99"] < 2000, result
