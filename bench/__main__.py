"""`python -m bench`: every benchmark, each against its same-run baseline, then one JSON line."""

from __future__ import annotations

import sys

from bench.run import main

sys.exit(main())
