"""``python -m openapi_magic``: the command line (``openapi-magic --help``)."""

import sys

from .frontends._cli import main

if __name__ == "__main__":
    sys.exit(main())
