"""Entry point of ``python -m fakereg``."""

import sys

from .cli import main

sys.exit(main())
