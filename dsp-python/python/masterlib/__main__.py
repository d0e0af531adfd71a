"""``python -m masterlib``: the command line (see ``masterlib --help``)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
