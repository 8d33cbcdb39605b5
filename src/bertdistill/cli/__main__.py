"""`python -m bertdistill.cli ...`: what `torchrun` and `accelerate launch` start (docs/design.md)."""

import sys

from bertdistill.cli.main import main

sys.exit(main())
