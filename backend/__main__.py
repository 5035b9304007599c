"""``python -m backend`` runs the ``domicare`` command line."""

import sys

from backend.cli import main

sys.exit(main())
