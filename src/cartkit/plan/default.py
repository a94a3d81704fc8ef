"""The built-in plan: every analysis of the published study, as package data (default.toml).

It covers the Methods, Tables 1-3, Figures 1-2, Supplementary Tables S1-S4 and Figures S1-S3,
and the headline numbers. :func:`default_plan` reads it with ``importlib.resources`` and
validates it like any user plan.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

from .plan import plan_from_dict
from .schema import Plan

__all__ = ["default_plan", "default_plan_toml"]


def default_plan_toml() -> str:
    """The text of the default plan (with its comments), as ``cartkit plan`` prints it."""
    return resources.files(__package__).joinpath("default.toml").read_text(encoding="utf-8")


@cache
def default_plan() -> Plan:
    """The published study's analysis plan (see docs/plan.md for every analysis and its source).

    Returns
    -------
    Plan
        Parsed from the package's ``default.toml`` and validated.
    """
    return plan_from_dict(tomllib.loads(default_plan_toml()), source="the default plan")
