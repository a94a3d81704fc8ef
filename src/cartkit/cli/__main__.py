"""``python -m cartkit.cli``."""

from . import run

run()
