#!/usr/bin/env python
"""Management commands of the development identity provider (its own project).

    python devidp/manage.py devidp_serve --port 8001
"""

import os
import sys
from pathlib import Path

if __name__ == "__main__":
    # Run from anywhere: the repository root must be importable as the package's parent.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "devidp.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
