"""Pieces shared by the survival and cumulative-incidence kinds.

The analysed rows of an endpoint (population, then patients with a missing group or subgroup
left out with a note), the subgroup blocks, time points, and the names the data tables and
notes use: the printed names of group levels and of the causes of a competing-risks endpoint.
How these tables print is :mod:`cartkit.report.sections._survival_text`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...derive.time_to_event import DEFAULT_ENDPOINTS
from ...errors import DataError

#: ids of left-out patients named in a note (the rest are counted)
_SHOW_IDS = 10

#: printed names of the causes of the competing-risks endpoints (1 = event, 2 = competing);
#: the endpoint declarations say "Death" for CIR's competing event, which is death without
#: relapse, i.e. non-relapse mortality
CAUSE_LABELS = {
    "CIR": {1: "Relapse", 2: "Non-relapse mortality"},
    "NRM": {1: "Non-relapse mortality", 2: "Relapse"},
}


def cause_labels(paramcd: str) -> dict[int, str]:
    """Printed names of cause 1 (the event) and cause 2 (the competing event) of an endpoint."""
    if paramcd in CAUSE_LABELS:
        return dict(CAUSE_LABELS[paramcd])
    for e in DEFAULT_ENDPOINTS:
        if e.paramcd == paramcd:
            labels = {1: " or ".join(s.description or s.name for s in e.events)}
            if e.competing:
                labels[2] = " or ".join(s.description or s.name for s in e.competing)
            return labels
    return {1: "Event", 2: "Competing event"}


def sentence_case(text: str) -> str:
    """Lower-case the first letter unless the word is an acronym ("HSCT", "Pre-LD" -> "pre-LD").

    A single capital before a hyphen stays ("B-cell recovery").
    """
    if len(text) > 1 and text[0].isupper() and not text[1].isupper() and text[1] != "-":
        return text[0].lower() + text[1:]
    return text


def longest_times(df: pd.DataFrame, time: str, group: str | None, levels) -> list[float]:
    """The longest observed time (event or censoring, days) of each group level."""
    times = df[time].to_numpy(dtype=float)
    if group is None:
        return [float(times.max())] * len(levels)
    values = df[group].to_numpy()
    return [float(times[values == level].max()) for level in levels]


def beyond_text(
    group: str | None, subgroup: str | None, years: float, longest_months: float, landmark: bool
) -> str:
    """``"no patient in HSCT (pre-LD MRD < 10⁻⁴) is followed to 5 years (longest ...)"``.

    Why an estimate at ``years`` is not estimable: no patient of the group (printed name, or
    None for all patients) within the subgroup level is still followed then.
    """
    sub = None if subgroup is None else sentence_case(subgroup)
    who = group if group is not None else sub
    if group is not None and sub is not None:
        who = f"{group} ({sub})"
    in_whom = "" if who is None else f" in {who}"
    after = " after the landmark" if landmark else ""
    return (
        f"no patient{in_whom} is followed to {years:g} year{'' if years == 1 else 's'}{after} "
        f"(longest follow-up {longest_months:.1f} months)"
    )


def beyond_note(text: str, years) -> str:
    """The note on the time points past a group's follow-up: not estimable (NE)."""
    shown = [f"{t:g}" for t in years]
    points = shown[0] if len(shown) == 1 else f"{'-, '.join(shown[:-1])}- and {shown[-1]}"
    verb = "estimates are" if len(years) > 1 else "estimate is"
    return f"{text[0].upper()}{text[1:]}: the {points}-year {verb} not estimable (NE)"


def time_points(analysis, ctx) -> tuple[float, ...]:
    """The analysis' time points in years, or the plan's when it names none."""
    return tuple(analysis.time_points_years or ctx.settings.time_points_years)


def id_list(ids: pd.Series) -> str:
    """The first ids of left-out patients, and how many more (for a note)."""
    shown = [str(x) for x in ids.iloc[:_SHOW_IDS]]
    more = len(ids) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def analysed_rows(analysis, ctx) -> tuple[pd.DataFrame, list[str]]:
    """The endpoint's rows of the analysed patients, and notes on every patient left out.

    Patients of the population without a record of the endpoint, and patients with a missing
    group or subgroup value, are left out, each with a note naming them.

    Raises
    ------
    DataError
        When the group or subgroup variable is not a column of the patients data.
    """
    pats, notes = ctx.population(analysis.population)
    notes = list(notes)
    # a population that leaves nobody out selects nobody: no selection bias to warn of
    if analysis.population in ctx.names.post_baseline and len(pats) < len(ctx.patients):
        notes.append(
            f"The population ({ctx.label(analysis.population)}) is selected by what happened "
            "after infusion (time zero): who is in it depends on how long each patient lived "
            "event-free, so estimates within it are open to selection (immortal-time) bias."
        )
    for role, var in (("group", analysis.group), ("subgroup", analysis.subgroup)):
        if var is not None and var not in ctx.patients:
            raise DataError(
                f"{role} variable {var!r} is not a column of the patients data; name an ADSL, "
                "runner or derived variable"
            )
    data = ctx.endpoint(analysis.endpoint, analysis.population)
    no_record = pats.loc[~pats["patient_id"].isin(data["patient_id"]), "patient_id"]
    if len(no_record):
        notes.append(
            f"{len(no_record)} patient(s) without a {analysis.endpoint} record are left out "
            f"({id_list(no_record)})"
        )
    for var in (analysis.group, analysis.subgroup):
        if var is None:
            continue
        missing = data[var].isna().to_numpy()
        if missing.any():
            ids = data.loc[missing, "patient_id"]
            notes.append(
                f"{int(missing.sum())} patient(s) with missing {ctx.label(var)} are left out "
                f"({id_list(ids)})"
            )
            data = data[~missing]
    data = data.reset_index(drop=True)
    for var in (analysis.group, analysis.subgroup):
        # plain bool once complete, so every estimator sees the same two levels
        if var is not None and pd.api.types.is_bool_dtype(data[var].dtype):
            data[var] = data[var].astype(bool)
    return data, notes


def subgroup_levels(values: pd.Series) -> list:
    """Levels of a subgroup variable in report order.

    A boolean subgroup lists True first: the stratum the variable names ("pre-LD MRD < 10⁻⁴"),
    then the rest, as Figure 1 of the paper; others follow category order, else sorted.
    """
    if pd.api.types.is_bool_dtype(values.dtype):
        present = set(values.tolist())
        return [v for v in (True, False) if v in present]
    if isinstance(values.dtype, pd.CategoricalDtype):
        return [c for c in values.cat.categories if (values == c).any()]
    try:
        return sorted(pd.unique(values).tolist())
    except TypeError:  # mixed types that do not sort: order of appearance
        return pd.unique(values).tolist()


def blocks(data: pd.DataFrame, subgroup: str | None) -> list[tuple[object, pd.DataFrame]]:
    """``(level, rows)`` per subgroup level, or one ``(None, data)`` without a subgroup."""
    if subgroup is None:
        return [(None, data)]
    out = []
    for level in subgroup_levels(data[subgroup]):
        mask = (data[subgroup] == level).to_numpy(dtype=bool)
        out.append((level, data[mask].reset_index(drop=True)))
    return out


def group_labels(ctx, variable: str | None, levels) -> dict:
    """Printed name of each level of a group variable (both levels of a yes/no one)."""
    if variable is None:
        return {None: "All patients"}
    if levels and all(isinstance(v, bool | np.bool_) for v in levels):
        levels = [False, True]
    return {level: ctx.level_label(variable, level) for level in levels}


def one_group_reason(ctx, variable: str, values: pd.Series) -> str | None:
    """Why a comparison by ``variable`` cannot be made, or None when two groups have patients.

    ``"only one group: no patient had HSCT after CAR-T (hsct_after_cart); all 40 analysed:
    No HSCT"``: the group nobody is in, by the registry's labels (the variable's own name
    in parentheses, as the data has it), and the one everybody is in.
    """
    present = pd.unique(values.dropna())
    if len(present) >= 2:
        return None
    if len(present) == 0:
        return f"no group: no patient analysed has a value of {ctx.label(variable)} ({variable})"
    level = present[0]
    everyone = f"all {len(values)} analysed: {ctx.level_label(variable, level)}"
    if isinstance(level, bool | np.bool_):
        # nobody has the event: the variable's label says what it is ("HSCT after CAR-T")
        missing = ctx.label(variable) if not level else ctx.level_label(variable, False)
        return f"only one group: no patient had {sentence_case(missing)} ({variable}); {everyone}"
    return f"only one group ({ctx.label(variable)}, {variable}): {everyone}"


def one_group_note(where: str | None, present: str, absent: list[str], test: str) -> str:
    """The note on a subgroup level (or landmark) where the comparison has one group only."""
    who = f"In {sentence_case(where)}" if where else "Here"
    nobody = " or ".join(absent) if absent else "another group"
    return (
        f"{who} every patient is in {present} (nobody in {nobody}): one group, so no "
        f"comparison and no {test}; its table rows and figure panel show {present} alone"
    )


def about(what: str, note: str) -> str:
    """A note on a landmark or Simon-Makuch table, saying so: ``"Landmark analysis: ..."``.

    Notes on those tables must not read as if about the main table, which they may contradict
    (no event after the landmark, events before it).
    """
    head = f"{what} analysis"
    if note.startswith(head):
        return note
    return f"{head}: {sentence_case(note)}"


def not_comparable(analysis, ctx, data: pd.DataFrame, events, event_name: str) -> str | None:
    """Why a comparison of groups is not run, or None (also None without a group).

    Not run: the group variable has fewer than two levels among the analysed patients
    (:func:`one_group_reason`), or no patient had the event of interest (``events``: one bool
    per row) — every curve is flat, there is nothing to compare. An estimate of one curve
    with no event (100% survival) is still shown; so is a panel whose groups have no event.
    """
    if analysis.group is None:
        return None
    reason = one_group_reason(ctx, analysis.group, data[analysis.group])
    if reason:
        return reason
    if not np.asarray(events, dtype=bool).any():
        return (
            f"no {event_name} among the {len(data)} patients analysed: every group's curve is "
            "flat, nothing to compare"
        )
    return None
