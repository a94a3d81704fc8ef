"""Analysis kind ``swimmer``: each patient's follow-up from infusion, with its events.

One lane per patient from infusion (day 0) to the last contact or death, with the day-28
response (CR/CRi, MRD-negative or not), B-cell recovery (the loss of B-cell aplasia), HSCT,
relapse by CD19 phenotype and death, all taken from the ADSL. Lanes are grouped by outcome
(alive without relapse, alive after relapse, died) and sorted by follow-up within a group.
The table counts each event and gives its median (range) time. Printed by
:mod:`cartkit.report.sections.swimmer`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..._core.units import to_months, to_years
from ...derive._common import lower_text
from ...plan.schema import Swimmer
from ..results import KindResult

__all__ = [
    "EVENTS",
    "GROUPS",
    "LANE_COLUMNS",
    "RESPONSE_DAY",
    "RUNNERS",
    "SWIMMER_COLUMNS",
    "SwimmerResult",
    "run_swimmer",
]

#: outcome groups, top to bottom
GROUPS = ("alive_no_relapse", "alive_after_relapse", "died")
#: events counted in the table, in its order; each but the response has a day
EVENTS = (
    "cr_d28",
    "mrd_negative_cr_d28",
    "bca_recovery",
    "hsct",
    "relapse_cd19_positive",
    "relapse_cd19_negative",
    "relapse_phenotype_unknown",
    "death",
    "alive_at_last_contact",
)
#: the nominal day of the day-28 response assessment, where its marker is drawn
RESPONSE_DAY = 28.0
#: columns of :attr:`SwimmerResult.lanes`
LANE_COLUMNS = (
    "patient_id", "group", "end_day", "alive", "response", "response_day",
    "bca_recovery_day", "hsct_day", "relapse_day", "relapse_phenotype", "death_day",
)  # fmt: skip
#: columns of the ``data`` table
SWIMMER_COLUMNS = ("event", "n", "n_events", "percent", "unit", "n_time", "median", "min", "max")
_CONVERT = {"days": lambda d: d, "months": to_months, "years": to_years}
_PHENOTYPES = ("cd19_positive", "cd19_negative")


@dataclass(frozen=True, kw_only=True)
class SwimmerResult(KindResult):
    """The lanes and event counts of a ``swimmer`` analysis.

    ``data[analysis.id]`` has :data:`SWIMMER_COLUMNS`: one row per event of :data:`EVENTS`
    that can be known from the study's tables (times in ``analysis.unit``).

    Attributes
    ----------
    lanes : pandas.DataFrame
        :data:`LANE_COLUMNS`, one row per patient in drawing order (top first); days after
        infusion. ``response`` is ``"mrd_negative_cr"``, ``"cr"`` (CR/CRi, MRD-positive or
        unknown) or None; ``relapse_phenotype`` ``"cd19_positive"``, ``"cd19_negative"`` or
        ``"unknown"`` for a relapse.
    unknown : tuple of str
        Events the study cannot show (a table is absent), e.g. ``("bca_recovery",)``.
    """

    lanes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=LANE_COLUMNS))
    unknown: tuple[str, ...] = ()


def _day(pats: pd.DataFrame, column: str) -> np.ndarray:
    if column not in pats:
        return np.full(len(pats), np.nan)
    return pd.to_numeric(pats[column], errors="coerce").to_numpy(dtype=float)


def _flag(pats: pd.DataFrame, column: str) -> np.ndarray:
    if column not in pats:
        return np.zeros(len(pats), dtype=bool)
    return pats[column].astype("boolean").fillna(False).to_numpy(dtype=bool)


def _lanes(pats: pd.DataFrame) -> pd.DataFrame:
    """One lane per patient with a last contact, in drawing order."""
    end = _day(pats, "last_contact_day")
    death = np.where(_flag(pats, "death"), _day(pats, "death_day"), np.nan)
    relapse = np.where(_flag(pats, "relapse"), _day(pats, "relapse_day"), np.nan)
    cr, mrd_neg = _flag(pats, "responder_d28"), _flag(pats, "mrd_negative_cr_d28")
    response = np.where(mrd_neg, "mrd_negative_cr", np.where(cr, "cr", None)).astype(object)
    loss = pats["bca_loss"].astype("Float64").fillna(0).to_numpy() == 1
    recovery = np.where(loss, _day(pats, "bca_onset_day") + _day(pats, "bca_duration_days"), np.nan)
    phenotype = lower_text(pats["relapse_phenotype"]).to_numpy(dtype=object, na_value=None)
    phenotype = np.where(np.isin(phenotype, _PHENOTYPES), phenotype, "unknown").astype(object)
    phenotype[np.isnan(relapse)] = None
    alive = np.isnan(death)
    group = np.where(~alive, "died", np.where(np.isnan(relapse), GROUPS[0], GROUPS[1]))
    lanes = pd.DataFrame(
        {
            "patient_id": pats["patient_id"].astype(str).to_numpy(),
            "group": group,
            "end_day": end,
            "alive": alive,
            "response": response,
            "response_day": np.where(cr | mrd_neg, RESPONSE_DAY, np.nan),
            "bca_recovery_day": recovery,
            "hsct_day": np.where(_flag(pats, "hsct_after_cart"), _day(pats, "hsct_day"), np.nan),
            "relapse_day": relapse,
            "relapse_phenotype": phenotype,
            "death_day": death,
        }
    )
    lanes = lanes[~np.isnan(end)]
    rank = lanes["group"].map({g: i for i, g in enumerate(GROUPS)})
    # longest follow-up first within each outcome group; the id breaks ties reproducibly
    order = np.lexsort((lanes["patient_id"].to_numpy(), -lanes["end_day"].to_numpy(), rank))
    return lanes.iloc[order].reset_index(drop=True)[list(LANE_COLUMNS)]


def _unknown(tables) -> tuple[str, ...]:
    out = []
    if tables.get("marrow") is None:
        out += ["cr_d28", "mrd_negative_cr_d28"]
    elif tables.get("mrd") is None:
        out.append("mrd_negative_cr_d28")
    if tables.get("labs") is None:
        out.append("bca_recovery")
    return tuple(out)


def _event_rows(lanes: pd.DataFrame, unit: str, unknown: tuple[str, ...]) -> pd.DataFrame:
    convert = _CONVERT[unit]
    relapse = lanes["relapse_phenotype"]
    masks = {
        "cr_d28": lanes["response"].notna(),
        "mrd_negative_cr_d28": lanes["response"].eq("mrd_negative_cr"),
        "bca_recovery": lanes["bca_recovery_day"].notna(),
        "hsct": lanes["hsct_day"].notna(),
        "relapse_cd19_positive": relapse.eq("cd19_positive"),
        "relapse_cd19_negative": relapse.eq("cd19_negative"),
        "relapse_phenotype_unknown": relapse.eq("unknown"),
        "death": lanes["death_day"].notna(),
        "alive_at_last_contact": lanes["alive"],
    }
    day_of = {
        "bca_recovery": "bca_recovery_day",
        "hsct": "hsct_day",
        "relapse_cd19_positive": "relapse_day",
        "relapse_cd19_negative": "relapse_day",
        "relapse_phenotype_unknown": "relapse_day",
        "death": "death_day",
        "alive_at_last_contact": "end_day",
    }
    n = len(lanes)
    rows = []
    for event in EVENTS:
        if event in unknown:
            continue
        mask = masks[event].fillna(False).to_numpy(dtype=bool)
        k = int(mask.sum())
        if event == "relapse_phenotype_unknown" and not k:
            continue
        row = {"event": event, "n": n, "n_events": k, "percent": 100.0 * k / n if n else np.nan}
        times = np.array([], dtype=float)
        if event in day_of:
            times = np.asarray(convert(lanes.loc[mask, day_of[event]].to_numpy(dtype=float)))
        row.update(unit=unit if event in day_of else None, n_time=int(times.size))
        row.update(
            median=float(np.median(times)) if times.size else np.nan,
            min=float(times.min()) if times.size else np.nan,
            max=float(times.max()) if times.size else np.nan,
        )
        rows.append(row)
    return pd.DataFrame(rows, columns=list(SWIMMER_COLUMNS))


def run_swimmer(analysis: Swimmer, ctx) -> SwimmerResult:
    """Each patient's lane from infusion to last contact, and the count of each event.

    Parameters
    ----------
    analysis : cartkit.plan.schema.Swimmer
        The plan analysis (``unit`` of the times; ``max_patients`` is the figure's).
    ctx : cartkit.runner.context.Context
        The datasets of the run (the ADSL columns of response, BCA, HSCT, relapse, death and
        last contact).

    Returns
    -------
    SwimmerResult
        The lanes of the population's patients with a last contact, and per event the
        patients with it (of all lanes) and the median (range) of its time from infusion.
    """
    pats, notes = ctx.population(analysis.population)
    notes = list(notes)
    lanes = _lanes(pats)
    lost = len(pats) - len(lanes)
    if lost:
        notes.append(f"{lost} patient(s) without a last contact are not drawn")
    unknown = _unknown(ctx.tables)
    reasons = {
        "cr_d28": "the day-28 response needs the marrow table",
        "mrd_negative_cr_d28": "MRD negativity needs the mrd table",
        "bca_recovery": "B-cell recovery needs the labs table",
    }
    notes += [f"Not shown: {reasons[u]}" for u in unknown if u != "mrd_negative_cr_d28"]
    if "mrd_negative_cr_d28" in unknown and "cr_d28" not in unknown:
        notes.append(f"Not shown: {reasons['mrd_negative_cr_d28']}")
    if not len(lanes):
        notes.append("No patient has a last contact: no swimmer plot")
        return SwimmerResult(analysis=analysis, notes=notes)
    return SwimmerResult(
        analysis=analysis,
        notes=notes,
        n=len(lanes),
        data={analysis.id: _event_rows(lanes, analysis.unit, unknown)},
        lanes=lanes,
        unknown=unknown,
    )


RUNNERS = {"swimmer": run_swimmer}
