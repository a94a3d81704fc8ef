"""Toxicity grading of a whole study: the entry point of ``cartkit grade crs|icans PATH``."""

from __future__ import annotations

from ..errors import DataError
from ._common import Derived, tables_of
from .crs import derive_crs
from .icans import derive_icans

__all__ = ["grade_study"]


def grade_study(study, term: str, *, prefer: str = "recorded", **options) -> Derived:
    """Grade CRS or ICANS for every patient of a study, from whichever tables it has.

    Parameters
    ----------
    study : cartkit.study.Study or mapping of str to pandas.DataFrame
        The study's tables: ``crs`` (+ ``medications``, ``events``) for CRS, ``icans`` (+
        ``patients``, ``events``) for ICANS, and ``adverse_events`` with recorded grades.
    term : {"crs", "icans"}
        What to grade.
    prefer : {"recorded", "derived"}
        The source used when both recorded and daily data exist.
    **options
        Passed to :func:`cartkit.derive.crs.grade_crs` or
        :func:`cartkit.derive.icans.grade_icans`.

    Returns
    -------
    Derived
        ``detail``: the daily grades (empty when only recorded grades exist); ``table``: one
        row per patient; ``findings``: recorded and derived grades that disagree;
        ``excluded``: patients who could not be graded, with the reason.
    """
    tables = tables_of(study)
    key = str(term).strip().lower()
    get = tables.get
    if key == "crs":
        if get("crs") is None and get("adverse_events") is None:
            raise DataError("the study has no crs table and no adverse_events table to grade CRS")
        return derive_crs(
            get("crs"),
            get("medications"),
            get("events"),
            get("adverse_events"),
            get("patients"),
            prefer=prefer,
            **options,
        )
    if key == "icans":
        if get("icans") is None and get("adverse_events") is None:
            raise DataError(
                "the study has no icans table and no adverse_events table to grade ICANS"
            )
        return derive_icans(
            get("icans"),
            get("patients"),
            get("events"),
            get("adverse_events"),
            prefer=prefer,
            **options,
        )
    raise DataError(f"cannot grade {term!r}: use 'crs' or 'icans'")
