#!/usr/bin/env python
"""Django's manage.py for a checkout without `pip install`; the installed command is `plumbline`."""

import sys
from pathlib import Path

if __name__ == "__main__":
    here = Path(__file__).resolve().parent
    sys.path[:0] = [str(here), str(here.parent)]
    from plumbline.cli import main

    main()
