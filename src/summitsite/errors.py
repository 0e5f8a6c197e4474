"""The one exception a stage raises for bad input: it carries every problem found, not just the first."""

from __future__ import annotations

from collections.abc import Iterable

from summitsite.model import Diagnostic


class SummitError(Exception):
    """Bad input or an impossible request. The CLI prints `diagnostics` one a line and exits 1."""

    def __init__(self, diagnostics: Iterable[Diagnostic]):
        self.diagnostics = tuple(diagnostics)
        super().__init__("\n".join(d.format() for d in self.diagnostics))

    def __reduce__(self):
        # Crosses process boundaries intact (the build's worker processes): rebuilt from its diagnostics.
        return (SummitError, (self.diagnostics,))


def error(message: str, path: str | None = None, line: int | None = None, code: str = "error",
          column: int | None = None) -> SummitError:
    """A SummitError holding a single problem."""
    return SummitError([Diagnostic("error", code, message, path, line, column)])
