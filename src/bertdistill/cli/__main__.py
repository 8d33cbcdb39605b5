"""`python -m bertdistill.cli ...` (also under torchrun and accelerate launch)."""

import sys

from bertdistill.cli.main import main

sys.exit(main())
