"""``python -m segments.sample``: see :mod:`segments.sample.cli`."""

from segments.sample.cli import main

raise SystemExit(main())
