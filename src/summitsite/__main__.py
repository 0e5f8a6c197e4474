"""`python -m summitsite` runs the command line."""

from summitsite.cli import run

run()
