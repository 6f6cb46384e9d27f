"""``python -m benchmarks [--only NAME] [--customers N ...]``: see ``benchmarks.runner``."""

from benchmarks.runner import main

raise SystemExit(main())
