"""``python -m tests.fraud.handmade_run build|scan DIR``: the command line of
:mod:`tests.fraud.handmade` (see its docstring), under the name the issue-18 work refers to."""

from __future__ import annotations

import sys

from tests.fraud.handmade import main

if __name__ == "__main__":
    sys.exit(main())
