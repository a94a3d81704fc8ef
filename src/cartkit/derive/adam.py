"""Analysis datasets: a subject-level ADSL-like table and the ADTTE-like time-to-event table.

Columns and their derivations are listed in docs/endpoints.md ("Analysis datasets").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._core.frames import plain_text_fields
from .._core.units import DAYS_PER_MONTH
from ..errors import DataError
from ._common import (
    Derived,
    as_bool,
    excluded_frame,
    findings_frame,
    get_table,
    lower_text,
    patient_ids,
    tables_of,
)
from .bca import derive_bca
from .mrd import compute_mrd_category, derive_mrd
from .response import derive_response
from .risk import derive_risk_group
from .time_to_event import DEFAULT_ENDPOINTS, Endpoint, derive_time_to_event

__all__ = ["ADSL_COLUMNS", "Adam", "derive_adam", "derive_adsl"]

_PATIENT_COLUMNS = (
    "sex",
    "age_years",
    "indication",
    "prior_hsct",
    "prior_cart",
    "cart_dose_e6_per_kg",
    "diagnosis_to_infusion_months",
)

#: the ADSL columns, in order (``extra`` columns follow)
ADSL_COLUMNS = (
    "USUBJID",
    "patient_id",
    "sex",
    "female",
    *_PATIENT_COLUMNS[1:],
    "genetic_lesions",
    "risk_group",
    "risk_group_source",
    "pre_ld_mrd",
    "pre_ld_mrd_category",
    "post_ld_mrd",
    "post_ld_mrd_category",
    "response_d28",
    "responder_d28",
    "d28_mrd",
    "mrd_negative_cr_d28",
    "bca",
    "bca_onset_day",
    "bca_duration_days",
    "bca_loss",
    "bca_loss_day",
    "hsct_after_cart",
    "hsct_day",
    "relapse",
    "relapse_day",
    "relapse_phenotype",
    "death",
    "death_day",
    "death_cause",
    "last_contact_day",
    "follow_up_days",
    "follow_up_months",
)


@dataclass(frozen=True)
class Adam:
    """The analysis datasets of a study.

    Attributes
    ----------
    adsl : pandas.DataFrame
        One row per patient with every derived covariate (see :func:`derive_adsl`).
    adtte : pandas.DataFrame
        One row per patient and endpoint (see
        :func:`~cartkit.derive.time_to_event.derive_time_to_event`).
    excluded : pandas.DataFrame
        ``[patient_id, reason]`` from both, the reason naming the variable or PARAMCD.
    findings : pandas.DataFrame
        ``[patient_id, check, message]`` from both.
    """

    adsl: pd.DataFrame
    adtte: pd.DataFrame
    excluded: pd.DataFrame
    findings: pd.DataFrame

    def __post_init__(self) -> None:
        plain_text_fields(self)


def _first_event(events: pd.DataFrame, kind: str) -> pd.DataFrame:
    rows = events[(events["event"] == kind) & (events["day"] >= 0)]
    rows = rows.sort_values(["patient_id", "day"], kind="mergesort")
    return rows.drop_duplicates("patient_id").set_index("patient_id")


def _events_columns(out: pd.DataFrame, tables, excluded: list) -> None:
    events = get_table(tables, "events", ["patient_id", "day", "event"], required=False)
    pid = out["patient_id"]
    if events is None:
        for col in ("hsct_after_cart", "relapse", "death"):
            out[col] = pd.array([pd.NA] * len(out), dtype="boolean")
        for col in ("hsct_day", "relapse_day", "death_day", "last_contact_day"):
            out[col] = np.nan
        out["relapse_phenotype"] = None
        out["death_cause"] = None
        excluded += [(p, "events: no events table") for p in pid]
        return
    events = events.assign(event=lower_text(events["event"]))
    detail = "detail" in events.columns
    if detail:
        events["detail"] = lower_text(events["detail"])
    for kind, col in (("hsct", "hsct_after_cart"), ("relapse", "relapse"), ("death", "death")):
        first = _first_event(events, kind)
        day_col = "hsct_day" if kind == "hsct" else f"{kind}_day"
        out[day_col] = pid.map(first["day"]).astype("float64")
        out[col] = out[day_col].notna()
        if kind != "hsct":
            name = "relapse_phenotype" if kind == "relapse" else "death_cause"
            out[name] = pid.map(first["detail"]).astype(object) if detail else None
    last = events[events["event"] == "last_contact"].groupby("patient_id")["day"].max()
    out["last_contact_day"] = pid.map(last).astype("float64")
    excluded += [
        (p, "follow_up: no last_contact event")
        for p in out.loc[out["last_contact_day"].isna(), "patient_id"]
    ]


def derive_adsl(
    tables,
    *,
    extra: pd.DataFrame | None = None,
    response_options: Mapping | None = None,
    mrd_options: Mapping | None = None,
    bca_options: Mapping | None = None,
    risk_options: Mapping | None = None,
) -> Derived:
    """Derive the subject-level dataset: one row per patient with every derived covariate.

    Parameters
    ----------
    tables : Study or mapping of str to DataFrame
        The study tables; a derivation whose table is absent gives missing values (and
        ``excluded`` rows), never an error.
    extra : pandas.DataFrame, optional
        Further per-patient columns to merge (``patient_id`` plus e.g. NCA parameters or the
        maximum CRS grade); names must not clash with ADSL columns.
    response_options, mrd_options, bca_options, risk_options : mapping, optional
        Keyword options of :func:`derive_response`, :func:`derive_mrd`, :func:`derive_bca` and
        :func:`derive_risk_group`.

    Returns
    -------
    Derived
        ``table`` columns: ``USUBJID, patient_id``, the patients columns (``sex, female,
        age_years, indication, prior_hsct, prior_cart, cart_dose_e6_per_kg,
        diagnosis_to_infusion_months``), ``genetic_lesions, risk_group, risk_group_source,
        pre_ld_mrd, pre_ld_mrd_category, post_ld_mrd, post_ld_mrd_category, response_d28,
        responder_d28, d28_mrd, mrd_negative_cr_d28, bca, bca_onset_day, bca_duration_days,
        bca_loss, bca_loss_day (the day B cells recover, missing unless they did),
        hsct_after_cart, hsct_day, relapse, relapse_day, relapse_phenotype, death,
        death_day, death_cause, last_contact_day, follow_up_days, follow_up_months``, then the
        ``extra`` columns.
    """
    tables = tables_of(tables)
    ids = patient_ids(tables)
    patients = get_table(tables, "patients", ["patient_id"]).set_index("patient_id")
    out = pd.DataFrame({"USUBJID": ids, "patient_id": ids})
    for col in _PATIENT_COLUMNS:
        out[col] = patients[col].reindex(ids).to_numpy() if col in patients.columns else np.nan
    out["sex"] = out["sex"].astype("string").str.strip().str.upper().astype(object)
    out.insert(out.columns.get_loc("sex") + 1, "female", (out["sex"] == "F").astype("boolean"))
    out.loc[out["sex"].isna(), "female"] = pd.NA
    for col in ("prior_hsct", "prior_cart"):
        out[col] = as_bool(out[col])
    out["indication"] = lower_text(out["indication"]).astype(object)
    excluded, findings = [], []

    def merge(source: str, what: str, derive, mapping: dict[str, str]) -> None:
        """Columns from a derivation, or missing for everyone when its table is absent.

        An absent table is one exclusion row for every patient (``patient_id`` missing), not
        a row per patient: "labs table absent: B-cell aplasia not derived for any patient".
        """
        if source is not None and source not in tables:
            for col in mapping.values():
                out[col] = np.nan
            name = _DERIVATION_NAMES.get(what, what)
            excluded.append(
                (
                    None,
                    f"{source} table absent: {name} not derived for any patient "
                    f"({len(ids)} patients)",
                )
            )
            return
        res = derive()
        data = res.table.set_index("patient_id")
        for src, dst in mapping.items():
            out[dst] = out["patient_id"].map(data[src]) if len(data) else np.nan
        excluded.extend(res.excluded.itertuples(index=False, name=None))
        findings.extend(res.findings.itertuples(index=False, name=None))

    def mrd_before_infusion() -> Derived:
        # the ADSL takes only the pre- and post-lymphodepletion MRD of derive_mrd
        res = derive_mrd(tables, **(mrd_options or {}))
        keep = res.excluded["reason"].str.match(r"(pre|post)_ld_mrd")
        return Derived(res.table, res.excluded[keep], res.findings)

    merge(
        None,
        "risk_group",
        lambda: derive_risk_group(tables, **(risk_options or {})),
        {k: k for k in ("genetic_lesions", "risk_group", "risk_group_source")},
    )
    mrd_cols = ("pre_ld_mrd", "pre_ld_mrd_category", "post_ld_mrd", "post_ld_mrd_category")
    merge("mrd", "pre_ld_mrd, post_ld_mrd", mrd_before_infusion, {c: c for c in mrd_cols})
    merge(
        "marrow",
        "response",
        lambda: derive_response(tables, **(response_options or {})),
        {
            "response": "response_d28",
            "responder": "responder_d28",
            "d28_mrd": "d28_mrd",
            "mrd_negative_cr": "mrd_negative_cr_d28",
        },
    )
    out["responder_d28"] = out["responder_d28"].astype("boolean")
    out["mrd_negative_cr_d28"] = out["mrd_negative_cr_d28"].astype("boolean")
    merge(
        "labs",
        "bca",
        lambda: derive_bca(tables, **(bca_options or {})),
        {
            "bca": "bca",
            "onset_day": "bca_onset_day",
            "duration_days": "bca_duration_days",
            "event": "bca_loss",
            "loss_day": "bca_loss_day",
        },
    )
    out["bca"] = out["bca"].astype("boolean")
    out["bca_loss"] = out["bca_loss"].astype("Int64")
    for col in ("pre_ld_mrd_category", "post_ld_mrd_category"):
        out[col] = compute_mrd_category(out[col.replace("_category", "")])
    _events_columns(out, tables, excluded)
    out["follow_up_days"] = out["last_contact_day"]
    out["follow_up_months"] = out["last_contact_day"] / DAYS_PER_MONTH
    out = out[list(ADSL_COLUMNS)]
    if extra is not None:
        out = _merge_extra(out, extra)
    return Derived(out, excluded_frame(excluded), findings_frame(findings))


#: what each ADSL derivation gives, as the exclusions list says it
_DERIVATION_NAMES = {
    "pre_ld_mrd, post_ld_mrd": "pre- and post-LD MRD",
    "response": "day-28 response (CR/CRi, MRD-negative CR/CRi)",
    "bca": "B-cell aplasia (onset, duration, B-cell recovery)",
}


def _merge_extra(out: pd.DataFrame, extra: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(extra, pd.DataFrame) or "patient_id" not in extra.columns:
        raise DataError("extra must be a DataFrame with a patient_id column and one row a patient")
    extra = extra.assign(patient_id=extra["patient_id"].astype(str))
    dup = extra["patient_id"][extra["patient_id"].duplicated()].unique().tolist()
    if dup:
        raise DataError(f"extra has more than one row for patient(s) {dup[:10]}; give one each")
    clash = sorted(set(extra.columns) & set(out.columns) - {"patient_id"})
    if clash:
        raise DataError(f"extra column(s) {clash} already exist in the ADSL; rename them")
    unknown = sorted(set(extra["patient_id"]) - set(out["patient_id"]))
    if unknown:
        raise DataError(f"extra has patient(s) not in the patients table: {unknown[:10]}")
    return out.merge(extra, on="patient_id", how="left", validate="one_to_one")


def derive_adam(
    tables,
    *,
    extra: pd.DataFrame | None = None,
    endpoints: Sequence[Endpoint] = DEFAULT_ENDPOINTS,
    censor_at_hsct: bool = False,
    **options,
) -> Adam:
    """Derive both analysis datasets of a study: ADSL-like and ADTTE-like.

    Parameters
    ----------
    tables : Study or mapping of str to DataFrame
        The study tables.
    extra : pandas.DataFrame, optional
        Per-patient columns merged into the ADSL (see :func:`derive_adsl`).
    endpoints : sequence of Endpoint
        Time-to-event endpoints (see
        :func:`~cartkit.derive.time_to_event.derive_time_to_event`).
    censor_at_hsct : bool
        Censor the time-to-event endpoints at HSCT (the study does not).
    **options
        ``response_options``, ``mrd_options``, ``bca_options``, ``risk_options`` for the ADSL.
        ``bca_options`` also shape the BCADUR endpoint.

    Returns
    -------
    Adam
    """
    adsl = derive_adsl(tables, extra=extra, **options)
    tte_options = {"bca": dict(options.get("bca_options") or {})}
    adtte = derive_time_to_event(
        tables, endpoints, censor_at_hsct=censor_at_hsct, options=tte_options
    )
    return Adam(
        adsl=adsl.table,
        adtte=adtte.table,
        excluded=pd.concat([adsl.excluded, adtte.excluded], ignore_index=True),
        findings=pd.concat([adsl.findings, adtte.findings], ignore_index=True),
    )
