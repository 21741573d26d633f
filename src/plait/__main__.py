"""``python -m plait``: the same command line as the ``plait`` script."""

import sys

from plait.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
