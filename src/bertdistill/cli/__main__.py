"""`python -m bertdistill.cli ...` (multi-process launchers are not supported yet: see the README)."""

import sys

from bertdistill.cli.main import main

sys.exit(main())
