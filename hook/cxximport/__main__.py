"""``python -m cxximport``: the same command line as ``cxximport``."""

import sys

from .cli import main

sys.exit(main())
