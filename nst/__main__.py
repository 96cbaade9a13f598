"""``python -m nst``: the `nst` command line."""

from nst.cli import main

raise SystemExit(main())
