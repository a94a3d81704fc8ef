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

import pandas as pd

from ..errors import DataError
from ._common import Derived, excluded_frame, findings_frame, get_table, patient_ids, tables_of
from .bca import derive_bca

__all__ = [
    "ADTTE_COLUMNS",
    "DEFAULT_ENDPOINTS",
    "HSCT_CENSOR",
    "CensorSource",
    "Endpoint",
    "EventSource",
    "derive_persistence",
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
        keep = pd.Series(True, index=df.index)
        for column, wanted in self.where.items():
            values = wanted if isinstance(wanted, tuple | list | frozenset | set) else (wanted,)
            col = df[column]
            if pd.api.types.is_string_dtype(col) or col.dtype == object:
                col = col.astype("string").str.strip().str.lower()
                values = tuple(str(v).lower() for v in values)
            keep &= col.isin(values).fillna(False).astype(bool)
        sel = df[keep]
        detail = (
            sel[self.detail].astype(object)
            if self.detail and self.detail in sel.columns
            else pd.Series(None, index=sel.index, dtype=object)
        )
        days = pd.to_numeric(sel[self.day], errors="coerce").astype("float64")
        out = pd.DataFrame({"patient_id": sel["patient_id"], "day": days, "detail": detail})
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
        Competing events (``CNSR = 1``, ``CAUSE = 2``); an event of interest on the same day
        wins.
    origin : EventSource, optional
        Where time starts; None is the infusion (day 0). Source rows before the origin are
        ignored.
    """

    paramcd: str
    param: str
    events: Sequence[EventSource]
    censors: Sequence[CensorSource]
    competing: Sequence[EventSource] = ()
    origin: EventSource | None = None

    def __post_init__(self):
        for name in ("events", "censors", "competing"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if not self.events:
            raise DataError(f"endpoint {self.paramcd!r} needs at least one event source")


def derive_persistence(tables, *, lloq: float = 100.0, blq_to_stop: int = 2) -> Derived:
    """CAR-T persistence per patient: Tlast and whether monitoring showed the loss.

    A sample after infusion (day > 0) is quantifiable when ``copies_per_ug >= lloq`` (the row's
    ``lloq`` when the kinetics table has one) and it is not flagged ``blq``. Tlast is the day
    of the last quantifiable sample. Persistence is lost (an event at Tlast) when at least
    ``blq_to_stop`` samples below LLOQ follow Tlast (the study stops monitoring after two);
    otherwise it is censored at Tlast (last sample still quantifiable, or monitoring not
    stopped).

    Parameters
    ----------
    tables : Study or mapping of str to DataFrame
        ``patients`` and ``kinetics``.
    lloq : float
        Lower limit of quantification (copies/µg DNA) for rows without their own.
    blq_to_stop : int
        Samples below LLOQ after Tlast that establish the loss.

    Returns
    -------
    Derived
        ``data``: ``patient_id, day`` (Tlast), ``clast, n_below_after, status`` (``lost`` /
        ``ongoing``), ``detail``; ``excluded``: patients without a quantifiable sample.
    """
    if blq_to_stop < 1:
        raise DataError(f"blq_to_stop must be at least 1, got {blq_to_stop!r}")
    tables = tables_of(tables)
    ids = patient_ids(tables)
    kin = get_table(tables, "kinetics", ["patient_id", "day", "copies_per_ug"])
    kin["copies_per_ug"] = pd.to_numeric(kin["copies_per_ug"], errors="coerce")
    kin = kin[(kin["day"] > 0) & kin["copies_per_ug"].notna()]
    limit = (
        pd.to_numeric(kin["lloq"], errors="coerce").fillna(lloq)
        if "lloq" in kin.columns
        else pd.Series(float(lloq), index=kin.index)
    )
    quant = kin["copies_per_ug"] >= limit
    if "blq" in kin.columns:
        quant &= ~kin["blq"].fillna(False).astype(bool)
    kin = kin.assign(_q=quant.to_numpy())
    q = kin[kin["_q"]].sort_values(["patient_id", "day"], kind="mergesort")
    last = q.drop_duplicates("patient_id", keep="last").set_index("patient_id")
    after = kin.assign(_tlast=kin["patient_id"].map(last["day"]))
    n_after = after[after["day"] > after["_tlast"]].groupby("patient_id").size()
    has_rows = set(kin["patient_id"])
    rows, excluded = [], []
    for pid in ids:
        if pid not in last.index:
            why = "no quantifiable" if pid in has_rows else "no"
            excluded.append((pid, f"persistence: {why} kinetics sample after infusion"))
            continue
        n = int(n_after.get(pid, 0))
        lost = n >= blq_to_stop
        detail = f"{n} sample(s) below LLOQ after Tlast" if n else "last sample quantifiable"
        rows.append(
            {
                "patient_id": pid,
                "day": float(last.at[pid, "day"]),
                "clast": float(last.at[pid, "copies_per_ug"]),
                "n_below_after": n,
                "status": "lost" if lost else "ongoing",
                "detail": detail,
            }
        )
    cols = ["patient_id", "day", "clast", "n_below_after", "status", "detail"]
    return Derived(pd.DataFrame(rows, columns=cols), excluded_frame(excluded), findings_frame())


DEATH = EventSource("death", where={"event": "death"}, description="Death")
RELAPSE = EventSource("relapse", where={"event": "relapse"}, description="Relapse")
LAST_CONTACT = CensorSource(
    "last_contact", where={"event": "last_contact"}, description="Last contact", detail=None
)
#: the intercurrent-event censoring added to every endpoint by ``censor_at_hsct=True``
HSCT_CENSOR = CensorSource(
    "hsct", where={"event": "hsct"}, description="Allogeneic HSCT", truncates=True, detail=None
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
    ),
    Endpoint(
        "REL19N",
        "CD19-negative relapse",
        [
            EventSource(
                "relapse_cd19_negative",
                where={"event": "relapse", "detail": "cd19_negative"},
                description="CD19-negative relapse",
            )
        ],
        [LAST_CONTACT],
        [RELAPSE, DEATH],
    ),
    Endpoint(
        "REL19P",
        "CD19-positive relapse",
        [
            EventSource(
                "relapse_cd19_positive",
                where={"event": "relapse", "detail": "cd19_positive"},
                description="CD19-positive relapse",
            )
        ],
        [LAST_CONTACT],
        [RELAPSE, DEATH],
    ),
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
        [EventSource("bca_loss", table="bca", where={"status": "loss"}, description="Loss of BCA")],
        [
            CensorSource(
                "bca_censored",
                table="bca",
                where={"status": "censored"},
                description="Last aplastic sample",
                detail="censor_reason",
            )
        ],
        origin=EventSource(
            "bca_onset", table="bca", where={"bca": True}, day="onset_day", detail=None
        ),
    ),
)


def _derived_table(name: str, tables, options) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """Build the derived tables endpoints may refer to; (table, excluded) or None."""
    if name == "bca" and "labs" in tables:
        res = derive_bca(tables, **options.get("bca", {}))
        data = res.data[res.data["bca"]]
        return data.assign(day=data["end_day"]), res.excluded
    if name == "persistence" and "kinetics" in tables:
        res = derive_persistence(tables, **options.get("persistence", {}))
        return res.data, res.excluded
    return None


def _earliest(frames: list[pd.DataFrame]) -> pd.DataFrame:
    rows = pd.concat(frames, ignore_index=True)
    rows = rows.sort_values(["patient_id", "day", "_cause", "_order"], kind="mergesort")
    return rows.drop_duplicates("patient_id").set_index("patient_id")


def _tagged(sources, tables, origin, cause: int, offset: int = 0) -> list[pd.DataFrame]:
    out = []
    for i, src in enumerate(sources):
        rows = src.select(tables)
        rows = rows[rows["day"] >= rows["patient_id"].map(origin)]
        out.append(rows.assign(_cause=cause, _order=offset + i, _source=i, _kind=cause))
    return out


def _one_endpoint(ep: Endpoint, tables, ids, censor_at_hsct: bool):
    if ep.origin is None:
        origin = pd.Series(0.0, index=ids)
    else:
        o = ep.origin.select(tables).sort_values("day")
        origin = o.drop_duplicates("patient_id").set_index("patient_id")["day"]
    events = _tagged(ep.events, tables, origin, 1) + _tagged(ep.competing, tables, origin, 2)
    first = _earliest(events)
    truncating = [c for c in ep.censors if c.truncates]
    if censor_at_hsct and HSCT_CENSOR not in truncating:
        truncating.append(HSCT_CENSOR)
    ends = [c for c in ep.censors if not c.truncates]
    trunc = _earliest(_tagged(truncating, tables, origin, 0)) if truncating else None
    end_rows = pd.concat(_tagged(ends, tables, origin, 0), ignore_index=True) if ends else None
    if end_rows is not None:
        end_rows = end_rows.sort_values(["patient_id", "day", "_order"], kind="mergesort")
        end = end_rows.drop_duplicates("patient_id", keep="last").set_index("patient_id")
    else:
        end = pd.DataFrame(columns=["day", "detail", "_order"])
    rows, excluded = [], []
    for pid in ids:
        if pid not in origin.index or pd.isna(origin.get(pid)):
            excluded.append((pid, f"{ep.paramcd}: no origin ({ep.origin.name})"))
            continue
        start = float(origin[pid])
        e = first.loc[pid] if pid in first.index else None
        t = trunc.loc[pid] if trunc is not None and pid in trunc.index else None
        c = end.loc[pid] if pid in end.index else None
        if e is not None and (t is None or e["day"] <= t["day"]):
            src = (ep.events if e["_cause"] == 1 else ep.competing)[int(e["_source"])]
            rec = (e["day"], int(e["_cause"] != 1), int(e["_cause"]), src, e["detail"])
        elif t is not None and (c is None or t["day"] <= c["day"]):
            rec = (t["day"], 1, 0, truncating[int(t["_source"])], t["detail"])
        elif c is not None:
            rec = (c["day"], 1, 0, ends[int(c["_source"])], c["detail"])
        else:
            excluded.append((pid, f"{ep.paramcd}: no event and no censoring date"))
            continue
        day, cnsr, cause, src, detail = rec
        rows.append(
            {
                "USUBJID": pid,
                "patient_id": pid,
                "PARAMCD": ep.paramcd,
                "PARAM": ep.param,
                "STARTDY": start,
                "ADY": float(day),
                "AVAL": float(day) - start,
                "AVALU": "DAYS",
                "CNSR": cnsr,
                "CAUSE": cause,
                "EVNTDESC": src.description if cause > 0 else "",
                "CNSDTDSC": src.description if cause == 0 else "",
                "SRCDOM": src.table,
                "SRCSEQ": src.name,
                "EVNTDTL": None if detail is None or pd.isna(detail) else str(detail),
            }
        )
    return rows, excluded


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
        from them unless given.
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
        ``data``: one row per patient and endpoint with columns :data:`ADTTE_COLUMNS`: AVAL in
        days from the origin, CNSR 0 event / 1 censored, CAUSE 0 censored / 1 event / 2
        competing event (for cumulative incidence). ``excluded``: ``[patient_id, reason]`` for
        each patient-endpoint pair not derived, the reason starting with the PARAMCD.
    """
    tables = tables_of(tables)
    ids = patient_ids(tables)
    options = dict(options or {})
    codes = [ep.paramcd for ep in endpoints]
    if len(set(codes)) != len(codes):
        raise DataError(f"endpoint PARAMCDs must be unique; got {codes}")
    rows, excluded = [], []
    built: dict[str, pd.DataFrame] = {}
    for ep in endpoints:
        names = {s.table for s in (*ep.events, *ep.censors, *ep.competing)}
        if ep.origin is not None:
            names.add(ep.origin.table)
        for name in sorted(names - set(tables) - set(built)):
            made = _derived_table(name, tables, options)
            if made is not None:
                built[name], why = made
                built[f"_excluded_{name}"] = why
        if any(n not in tables and n not in built for n in names):
            missing = sorted(n for n in names if n not in tables and n not in built)
            excluded += [(p, f"{ep.paramcd}: no table {', '.join(missing)}") for p in ids]
            continue
        got, lost = _one_endpoint(ep, {**tables, **built}, ids, censor_at_hsct)
        rows += got
        for pid, reason in lost:
            # a derived table's own reason says more than "no origin" / "no event"
            for name in names & set(built):
                why = built[f"_excluded_{name}"]
                more = why.loc[why["patient_id"] == pid, "reason"]
                if len(more):
                    reason = f"{ep.paramcd}: {more.iloc[0]}"
            excluded.append((pid, reason))
    data = pd.DataFrame(rows, columns=list(ADTTE_COLUMNS))
    data = data.astype({"CNSR": "int64", "CAUSE": "int64", "AVAL": "float64", "ADY": "float64"})
    data["STARTDY"] = data["STARTDY"].astype("float64")
    return Derived(data.reset_index(drop=True), excluded_frame(excluded), findings_frame())
