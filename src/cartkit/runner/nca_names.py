"""Printed names of the NCA parameters, shared by the runner's notes and the report's tables.

A parameter reads the same in every note, table and figure: ``auc_window`` is named by the
plan's window (``AUC0–28d``), a level or amount carries its unit (``Cmax, copies/µg DNA``).
The report's sections (:mod:`cartkit.report.sections`) import these names from here, so the
runner's notes and the report's headers cannot drift apart.
"""

from __future__ import annotations

from ..derive.registry import Labels
from ..kinetics import PARAMETERS

__all__ = ["day_text", "geometric", "parameter_label", "parameter_short", "short_name"]

_SHORT = {
    "cmax": "Cmax",
    "tmax": "Tmax",
    "tlast": "Tlast",
    "clast": "Clast",
    "auclast": "AUClast",
    "half_life": "Half-life",
}
_UNITS = {"conc": "copies/µg DNA", "auc": "copies/µg DNA × day", "time": "days"}


def day_text(day: float) -> str:
    """A day of the NCA window as printed (``28``, ``0.5``)."""
    return f"{float(day):g}"


def parameter_short(name: str, window: tuple[float, float]) -> str:
    """Short printed name of an NCA parameter.

    Parameters
    ----------
    name : str
        The parameter (a column of :func:`cartkit.kinetics.nca`).
    window : tuple of float
        The plan's NCA window (``settings.nca_window``), which names ``auc_window``.

    Returns
    -------
    str
        ``"Cmax"``, ``"AUC0–28d"``; an unknown name as it is.
    """
    if name == "auc_window":
        start, end = window
        return f"AUC{day_text(start)}–{day_text(end)}d"
    return _SHORT.get(name, name)


def parameter_label(name: str, window: tuple[float, float], names: Labels) -> str:
    """Printed name with its unit (``"AUC0–28d, copies/µg DNA × day"``).

    Parameters
    ----------
    name : str
        An NCA parameter, or another variable (then its label in ``names``).
    window : tuple of float
        The plan's NCA window.
    names : cartkit.derive.registry.Labels
        The run's variable labels.

    Returns
    -------
    str
    """
    if name not in PARAMETERS:
        return names.label(name)
    unit = _UNITS.get(PARAMETERS[name].unit_type)
    short = parameter_short(name, window)
    return f"{short}, {unit}" if unit else short


def short_name(name: str, window: tuple[float, float], names: Labels) -> str:
    """Name without unit: the parameter's short name, or the variable's label before its comma."""
    if name in PARAMETERS:
        return parameter_short(name, window)
    return names.label(name).split(",")[0]


def geometric(name: str) -> bool:
    """Whether a parameter is a level or an amount (summarised geometrically), not a time."""
    return PARAMETERS[name].unit_type in ("conc", "auc")
