"""``python -m nlp`` runs the ``fazhi`` command line."""

import sys

from .cli import main

sys.exit(main())
