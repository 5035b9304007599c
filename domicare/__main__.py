"""``python -m domicare`` runs the ``domicare`` command line."""

import sys

from domicare.cli import main

sys.exit(main())
