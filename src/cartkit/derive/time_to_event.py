"""Time-to-event endpoints declared as event and censoring sources (admiral's pattern).

One mechanism derives them all: for each patient the earliest event (of interest or competing)
is taken; a truncating censoring source (an intercurrent event such as HSCT when censoring at
HSCT) censors when it comes strictly before that event; otherwise, without an event, the
latest end-of-follow-up censoring date is used. Rules and sources: docs/endpoints.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd

from ..errors import DataError
from ._common import Derived, excluded_frame, findings_frame, get_table, patient_ids, tables_of
from ._tte import Rows, day_and_detail, one_endpoint, where_mask
from .bca import derive_bca
from .derived_labels import lower_first
from .persistence import derive_persistence

__all__ = [
    "ADTTE_COLUMNS",
    "DEFAULT_ENDPOINTS",
    "HSCT_CENSOR",
    "CensorSource",
    "Endpoint",
    "EventSource",
    "derive_time_to_event",
]

ADTTE_COLUMNS = (
    "USUBJID",
    "patient_id",
    "PARAMCD",
    "PARAM",
    "STARTDY",
    "ADY",
    "AVAL",
    "AVALU",
    "CNSR",
    "CAUSE",
    "EVNTDESC",
    "CNSDTDSC",
    "SRCDOM",
    "SRCSEQ",
    "EVNTDTL",
)


@dataclass(frozen=True)
class EventSource:
    """Where the dates of one kind of event come from.

    Parameters
    ----------
    name : str
        Short name, reported in ``SRCSEQ`` of the time-to-event rows.
    table : str
        Table holding the rows: a study table (``events``) or a derived one (``bca``,
        ``persistence``), built on demand.
    where : mapping of str to value or tuple of values
        Row filter, column equals value (or is one of the values); text compares
        case-insensitively.
    day : str
        Column with the day of the event (days from infusion).
    description : str
        Text for ``EVNTDESC`` (events) or ``CNSDTDSC`` (censoring).
    detail : str or None
        Column copied into ``EVNTDTL`` when present (relapse phenotype, censoring reason).
    """

    name: str
    table: str = "events"
    where: Mapping[str, object] = field(default_factory=dict)
    day: str = "day"
    description: str = ""
    detail: str | None = "detail"

    def __post_init__(self):
        object.__setattr__(self, "where", MappingProxyType(dict(self.where)))

    def select(self, tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
        """Rows ``[patient_id, day, detail]`` of this source (unsorted)."""
        df = get_table(tables, self.table, ["patient_id", self.day, *self.where])
        sel = df[where_mask(df, self.where)]
        day, detail = day_and_detail(sel, self)
        out = pd.DataFrame(
            {"patient_id": sel["patient_id"], "day": day, "detail": detail}, index=sel.index
        )
        return out[out["day"].notna()]


@dataclass(frozen=True)
class CensorSource(EventSource):
    """Where censoring dates come from.

    ``truncates=False`` (end of follow-up, e.g. last contact): used when there is no event; the
    latest date wins. ``truncates=True`` (an intercurrent event, e.g. HSCT): censors at its
    earliest date when that comes strictly before the event.
    """

    truncates: bool = False


@dataclass(frozen=True)
class Endpoint:
    """A time-to-event endpoint: its events, censoring and competing events.

    Parameters
    ----------
    paramcd : str
        Short code (``OS``, ``LFS``, ...), at most 8 characters as in ADaM.
    param : str
        Label.
    events : sequence of EventSource
        Events of interest (``CNSR = 0``, ``CAUSE = 1``); the earliest counts, the first listed
        on a tie.
    censors : sequence of CensorSource
        Censoring dates.
    competing : sequence of EventSource
        Competing events (``CNSR = 1``, ``CAUSE = 2``).
    origin : EventSource, optional
        Where time starts; None is the infusion (day 0). Source rows before the origin are
        ignored.
    competing_wins_ties : bool
        On a day with both, the event of interest wins (False) or the competing event does
        (True; NRM, so that a death on the day of a relapse counts as relapse, as in CIR).
    """

    paramcd: str
    param: str
    events: Sequence[EventSource]
    censors: Sequence[CensorSource]
    competing: Sequence[EventSource] = ()
    origin: EventSource | None = None
    competing_wins_ties: bool = False

    def __post_init__(self):
        for name in ("events", "censors", "competing"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if not self.events:
            raise DataError(f"endpoint {self.paramcd!r} needs at least one event source")


DEATH = EventSource("death", where={"event": "death"}, description="Death")
RELAPSE = EventSource("relapse", where={"event": "relapse"}, description="Relapse")
LAST_CONTACT = CensorSource(
    "last_contact", where={"event": "last_contact"}, description="Last contact", detail=None
)
#: the intercurrent-event censoring added to every endpoint by ``censor_at_hsct=True``
HSCT_CENSOR = CensorSource(
    "hsct", where={"event": "hsct"}, description="Allogeneic HSCT", truncates=True, detail=None
)


def _cd19_relapse(phenotype: str) -> Endpoint:
    """REL19N / REL19P: relapse of one CD19 phenotype; other relapses and death compete."""
    return Endpoint(
        f"REL19{phenotype[0].upper()}",
        f"CD19-{phenotype} relapse",
        [
            EventSource(
                f"relapse_cd19_{phenotype}",
                where={"event": "relapse", "detail": f"cd19_{phenotype}"},
                description=f"CD19-{phenotype} relapse",
            )
        ],
        [LAST_CONTACT],
        [RELAPSE, DEATH],
    )


DEFAULT_ENDPOINTS = (
    Endpoint("OS", "Overall survival", [DEATH], [LAST_CONTACT]),
    Endpoint("LFS", "Leukemia-free survival", [RELAPSE, DEATH], [LAST_CONTACT]),
    Endpoint("CIR", "Cumulative incidence of relapse", [RELAPSE], [LAST_CONTACT], [DEATH]),
    Endpoint(
        "NRM",
        "Non-relapse mortality",
        [EventSource("death", where={"event": "death"}, description="Death without relapse")],
        [LAST_CONTACT],
        [RELAPSE],
        competing_wins_ties=True,
    ),
    _cd19_relapse("negative"),
    _cd19_relapse("positive"),
    Endpoint(
        "PERSIST",
        "CAR-T persistence (Tlast)",
        [
            EventSource(
                "persistence_lost",
                table="persistence",
                where={"status": "lost"},
                description="Last quantifiable CAR-T sample, later samples below LLOQ",
            )
        ],
        [
            CensorSource(
                "persistence_ongoing",
                table="persistence",
                where={"status": "ongoing"},
                description="Last sample still quantifiable or monitoring not stopped",
            )
        ],
    ),
    Endpoint(
        "BCADUR",
        "Duration of B-cell aplasia",
        [
            EventSource(
                "bca_loss",
                table="bca",
                where={"status": "loss"},
                day="end_day",
                description="Loss of BCA",
            )
        ],
        [
            CensorSource(
                "bca_censored",
                table="bca",
                where={"status": "censored"},
                day="end_day",
                description="Last aplastic sample",
                detail="censor_reason",
            )
        ],
        origin=EventSource(
            "bca_onset", table="bca", where={"bca": True}, day="onset_day", detail=None
        ),
    ),
)


#: the study table each derived table is built from
_BUILT_FROM = {"bca": "labs", "persistence": "kinetics"}


def _derived_table(name: str, tables, options) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """Build a derived table endpoints may refer to; (table, excluded) or None."""
    if name == "bca" and "labs" in tables:
        res = derive_bca(tables, **options.get("bca", {}))
        return res.table, res.excluded
    if name == "persistence" and "kinetics" in tables:
        res = derive_persistence(tables, **options.get("persistence", {}))
        return res.table, res.excluded
    return None


def derive_time_to_event(
    tables,
    endpoints: Sequence[Endpoint] = DEFAULT_ENDPOINTS,
    censor_at_hsct: bool = False,
    *,
    options: Mapping[str, Mapping] | None = None,
) -> Derived:
    """Derive time-to-event endpoints as one long ADTTE-like table.

    Parameters
    ----------
    tables : Study or mapping of str to DataFrame
        The study tables; derived tables an endpoint names (``bca``, ``persistence``) are built
        from them unless given (as the ``table`` of ``derive_bca`` / ``derive_persistence``).
    endpoints : sequence of Endpoint
        What to derive; default :data:`DEFAULT_ENDPOINTS` (OS, LFS, CIR, NRM, REL19N, REL19P,
        PERSIST, BCADUR).
    censor_at_hsct : bool
        Censor every endpoint at allogeneic HSCT when it comes strictly before the event. The
        study's rule is not to (False).
    options : mapping, optional
        Options of the derived tables: ``{"bca": {...}, "persistence": {...}}`` passed to
        :func:`~cartkit.derive.bca.derive_bca` and
        :func:`derive_persistence`.

    Returns
    -------
    Derived
        ``table``: one row per patient and endpoint with columns :data:`ADTTE_COLUMNS`: AVAL in
        days from the origin, CNSR 0 event / 1 censored, CAUSE 0 censored / 1 event / 2
        competing event (for cumulative incidence). ``excluded``: ``[patient_id, reason]`` for
        each patient-endpoint pair not derived, the reason starting with the PARAMCD; an
        endpoint whose table the study lacks is one row for every patient (``patient_id``
        missing): "BCADUR: labs table absent, ... not derived for any patient".
        ``findings``: events after the patient's last censoring date (check ``time_to_event``).
    """
    tables = tables_of(tables)
    ids = patient_ids(tables)
    options = dict(options or {})
    codes = [ep.paramcd for ep in endpoints]
    if len(set(codes)) != len(codes):
        raise DataError(f"endpoint PARAMCDs must be unique; got {codes}")
    needed = {}
    for ep in endpoints:
        sources = (*ep.events, *ep.censors, *ep.competing, *([ep.origin] if ep.origin else []))
        needed[ep.paramcd] = {src.table for src in sources}
    built, why_not = {}, {}
    for name in sorted(set().union(*needed.values()) - set(tables)):
        made = _derived_table(name, tables, options)
        if made is not None:
            built[name] = made[0]
            why_not[name] = made[1].drop_duplicates("patient_id").set_index("patient_id")["reason"]
    rows = Rows({**tables, **built}, ids)
    frames, excluded, findings = [], [], []
    for ep in endpoints:
        missing = sorted(n for n in needed[ep.paramcd] if n not in tables and n not in built)
        if missing:
            # one line, not one per patient: nobody can have it
            absent = sorted({_BUILT_FROM.get(n, n) for n in missing})
            excluded.append(
                (
                    None,
                    f"{ep.paramcd}: {' and '.join(absent)} table absent, {lower_first(ep.param)} "
                    f"not derived for any patient ({len(ids)} patients)",
                )
            )
            continue
        got, lost, odd = one_endpoint(ep, rows, ids, HSCT_CENSOR if censor_at_hsct else None)
        frames.append(got)
        findings += odd
        for pid, reason in lost:
            # a derived table's own reason says more than "no origin" / "no event"
            for name in sorted(needed[ep.paramcd] & set(built)):
                if pid in why_not[name].index:
                    reason = f"{ep.paramcd}: {why_not[name][pid]}"
            excluded.append((pid, reason))
    # column-wise, so all-missing columns of one endpoint never change another's dtype
    data = pd.DataFrame(
        {
            col: np.concatenate([f[col].to_numpy(dtype=object) for f in frames])
            if frames
            else np.array([], dtype=object)
            for col in ADTTE_COLUMNS
        }
    )
    types = {"CNSR": "int64", "CAUSE": "int64", "AVAL": "float64", "ADY": "float64"}
    data = data.astype({**types, "STARTDY": "float64"})
    return Derived(data, excluded_frame(excluded), findings_frame(findings))
