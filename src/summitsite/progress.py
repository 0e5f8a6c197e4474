"""A progress bar on stderr for long builds on an interactive terminal; silent everywhere else.

Shown only when stderr is a terminal, no CI variable is set, and the build has run for more than
`DELAY` seconds (a quick build never flickers a bar). It is one line, redrawn in place and erased at the
end, so the summary line that follows stays the only thing left on the screen.
"""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO

DELAY = 2.0
CI_VARIABLES = ("CI", "GITHUB_ACTIONS", "GITLAB_CI", "BUILDKITE", "JENKINS_URL", "TEAMCITY_VERSION", "TF_BUILD")


def interactive(stream: TextIO | None = None) -> bool:
    stream = stream if stream is not None else sys.stderr
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        return False
    return tty and not any(os.environ.get(name) for name in CI_VARIABLES) and os.environ.get("TERM") != "dumb"


class Progress:
    """`enabled` None means: decide by the terminal (see `interactive`)."""

    def __init__(self, enabled: bool | None, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = interactive(self.stream) if enabled is None else enabled
        self.started = time.perf_counter()
        self.label = ""
        self.total = 0
        self.count = 0
        self.shown = False

    def start(self, label: str, total: int) -> None:
        self.label, self.total, self.count = label, total, 0
        self._draw()

    def advance(self, n: int = 1) -> None:
        self.count += n
        self._draw()

    def stage(self, label: str) -> None:
        self.label, self.total, self.count = label, 0, 0
        self._draw()

    def _draw(self) -> None:
        if not self.enabled or time.perf_counter() - self.started < DELAY:
            return
        if self.total:
            width = 30
            filled = width * self.count // self.total
            line = f"{self.label:<20} [{'#' * filled}{'.' * (width - filled)}] {self.count}/{self.total}"
        else:
            line = f"{self.label}..."
        self.stream.write("\r\x1b[2K" + line)
        self.stream.flush()
        self.shown = True

    def done(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
            self.shown = False
