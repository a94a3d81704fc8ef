"""The built-in plan: every analysis of the published study, as package data (default.toml).

It covers the Methods, Tables 1-3, Figures 1-2, Supplementary Tables S1-S4 and Figures S1-S3,
and the headline numbers. :func:`default_plan` reads it with ``importlib.resources`` and
validates it like any user plan. The published study's own results are not in it: they are
in ``published.toml``, a ``[reference]`` table that :func:`published_reference` reads, which
``cartkit demo`` (whose cohort is calibrated to that study) shows beside the headline.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

from .plan import plan_from_dict
from .schema import Plan, Reference

__all__ = ["default_plan", "default_plan_toml", "published_reference"]


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


@cache
def published_reference() -> Reference:
    """The published study's headline values, as a ``[reference]`` for the default plan.

    Returns
    -------
    Reference
        Read from the package's ``published.toml`` and validated against the default plan's
        headline. ``dataclasses.replace(default_plan(), reference=published_reference())`` is
        the plan ``cartkit demo`` runs.
    """
    text = resources.files(__package__).joinpath("published.toml").read_text(encoding="utf-8")
    data = tomllib.loads(default_plan_toml()) | tomllib.loads(text)
    plan = plan_from_dict(data, source="the published study's reference values")
    return plan.reference
