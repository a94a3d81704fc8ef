"""The top of a report beside the study's numbers: its title and the labelled reference column.

The title names the study analysed, never the study a plan was written for: given by the caller
(``write_report(..., title=...)``, ``cartkit report --title``), else the plan's ``title``, else
built from the study ("Analysis of my_study.xlsx: 37 patients"). A plan's ``[reference]``
(published values) is shown only in its own column of the headline, headed by its source, and
under ``reference`` in results.json: never mixed with the study's numbers.
"""

from __future__ import annotations

from pathlib import PurePath

from ..errors import CartkitError
from .outputs import headline_number

__all__ = [
    "REFERENCE_MISSING",
    "check_title",
    "default_title",
    "reference_content",
    "reference_note",
    "reference_text",
    "reference_texts",
    "report_title",
]

#: a headline item the reference gives no value for
REFERENCE_MISSING = "—"


def default_title(analysis) -> str:
    """A neutral title built from the study: its file or folder name and its size.

    "Analysis of my_study.xlsx: 37 patients"; a simulated cohort says so, with its seed.
    """
    provenance = analysis.provenance or {}
    n = (analysis.headline or {}).get("n_patients")
    size = "" if n is None else f": {n} patients"
    source = provenance.get("source")
    if source == "simulated":
        seed = provenance.get("seed")
        return f"Analysis of a simulated cohort{size}" + ("" if seed is None else f" (seed {seed})")
    if source:
        return f"Analysis of {PurePath(str(source)).name or source}{size}"
    return f"Analysis of a study{size}"


def check_title(title) -> str:
    """A title given for a report, stripped.

    Raises
    ------
    CartkitError
        When it is not a non-empty string.
    """
    if not isinstance(title, str) or not title.strip():
        raise CartkitError(
            f"the report's title must be a non-empty text, got {title!r}; "
            "leave it out for one built from the study"
        )
    return title.strip()


def report_title(analysis, title: str | None = None) -> str:
    """The report's title: ``title``, else the plan's ``title``, else :func:`default_title`.

    Raises
    ------
    CartkitError
        When ``title`` is given but is not a non-empty string.
    """
    if title is not None:
        return check_title(title)
    plan_title = getattr(analysis.plan, "title", None)
    return plan_title.strip() if plan_title else default_title(analysis)


def _percent(x: float) -> str:
    return f"{100 * x:.1f}"


def reference_text(value, show: str) -> str:
    """A reference value as the headline prints the study's: "74.9% (64.8–85.1)", "68.7".

    A rate's published counts follow its percentage ("98.0%, 49 of 50").
    """
    if show == "number":
        return headline_number(value.estimate)
    text = f"{_percent(value.estimate)}%"
    if value.ci_lower is not None:
        text += f" ({_percent(value.ci_lower)}–{_percent(value.ci_upper)})"
    if value.n is not None:
        text += f", {value.n_events} of {value.n}"
    return text


def reference_texts(plan) -> dict[str, str] | None:
    """The reference cell of each headline key (:data:`REFERENCE_MISSING` where none is given).

    None when the plan has no ``[reference]``.
    """
    reference = getattr(plan, "reference", None)
    if reference is None:
        return None
    out = {}
    for item in plan.headline:
        value = reference.get(item.key)
        out[item.key] = REFERENCE_MISSING if value is None else reference_text(value, item.show)
    return out


def reference_note(plan) -> str:
    """The sentence under the headline that says what the reference column is ("" if none)."""
    reference = getattr(plan, "reference", None)
    if reference is None:
        return ""
    return (
        f"{reference.source}: published values, for comparison only; they are not results of "
        "this study (intervals and counts as published)."
    )


def reference_content(plan) -> dict | None:
    """results.json's ``reference``: ``{source, values}``, values shaped as the headline's.

    None when the plan has no ``[reference]``.
    """
    reference = getattr(plan, "reference", None)
    if reference is None:
        return None
    shows = {h.key: h.show for h in plan.headline}
    values = {}
    for key, v in reference.values:
        if shows.get(key) == "number":
            values[key] = v.estimate
        else:
            values[key] = {
                k: getattr(v, k)
                for k in ("estimate", "ci_lower", "ci_upper", "n_events", "n")
                if getattr(v, k) is not None
            }
    return {"source": reference.source, "values": values}
