"""`python -m summitsite` runs the command line."""

import sys

from summitsite.cli import main

sys.exit(main())
