"""``python -m broadcasting`` is the ``broadcasting`` command."""
import sys

from .cli import main

sys.exit(main())
