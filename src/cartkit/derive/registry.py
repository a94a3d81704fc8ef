"""The one registry of the per-patient variables a plan, the runner and the report name.

Each :class:`Variable` says what a column of the analysis dataset (ADSL and the patient
variables derived beside it) is: its printed label, its unit, the printed names of its levels,
and its role in the analyses — an event after time zero and the day it happened (HSCT after
CAR-T, on ``hsct_day``), a response, a quantity drawn on a log axis. Analyses read these roles
from here instead of testing variable names in their code, so a study that adds its own
variable can give it the same treatment.

:func:`labels_for` adds the plan's derived variables (``[[derived]]``) and returns a
:class:`Labels` with every printed name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from .derived_labels import derived_header, derived_levels, yes_no_levels

__all__ = [
    "ENDPOINT_TABLES",
    "PATIENT_VARIABLES",
    "VARIABLES",
    "Labels",
    "Variable",
    "censoring_variable",
    "event_day_variable",
    "labels_for",
    "log_scale_variables",
    "per_10_fold",
    "response_variables",
    "study_variables",
]


@dataclass(frozen=True)
class Variable:
    """One per-patient variable of the analysis dataset.

    Attributes
    ----------
    name : str
        Column name.
    label : str
        Printed name ("BCA duration, days"): the quantity, then its unit after a comma.
    description : str
        What it is, for the plan's documentation.
    levels : mapping
        Printed name of each level of a yes/no or coded variable.
    event_day : str or None
        For a yes/no variable recording an event after time zero (infusion): the variable of
        the day it happened. Grouping patients by it is open to immortal-time bias, so the
        survival analyses add a landmark and a time-dependent analysis.
    post_baseline : bool
        True when selecting patients by this variable (or its negation) selects them by what
        happened after time zero.
    response : int
        0, or the rank of a response variable: kinetic profiles are drawn by the response
        variable of lowest rank that has two levels (the deepest response first).
    log_scale : bool
        Spans orders of magnitude (levels, exposures): drawn on a log axis, and entered in
        regression models per 10-fold change (log10).
    ae_window : bool
        Counted only within the plan's adverse-event window after infusion
        (``settings.ae_window_days``); other events count at any time after infusion.
    grade : str
        For a highest-grade variable (0 = none): the condition it grades ("CRS"), so a
        threshold on it prints "CRS grade ≥ 3" / "CRS grade 0–2" or "No CRS".
    patient_variable : bool
        Added beside ADSL from grading, labs, adverse events, medications or NCA (a plan may
        name it like an ADSL column).
    tables : tuple of tuple of str
        The study tables it is derived from: every group is needed, any table of a group will
        do (``(("crs", "adverse_events"),)``: daily CRS assessments or recorded grades). Empty
        for the patients and events tables, which every study has.
    censored_by : str or None
        For a duration that may be censored (BCA duration: B cells not yet recovered at the
        end of monitoring), the yes/no variable saying whether its end was observed (1) or
        censored (0). Such a duration is not used as if complete: a correlation becomes a Cox
        model of the time to that event, and a model using it as a plain covariate says so.
    """

    name: str
    label: str
    description: str = ""
    levels: Mapping = field(default_factory=dict)
    event_day: str | None = None
    post_baseline: bool = False
    response: int = 0
    log_scale: bool = False
    ae_window: bool = False
    grade: str = ""
    patient_variable: bool = False
    tables: tuple[tuple[str, ...], ...] = ()
    censored_by: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "levels", MappingProxyType(dict(self.levels)))


_MRD_LEVELS = {
    "<1e-4": "< 10⁻⁴",
    "1e-4 to <1e-3": "10⁻⁴ to < 10⁻³",
    "1e-3 to <1e-2": "10⁻³ to < 10⁻²",
    ">=1e-2": "≥ 10⁻²",
}


def _v(name: str, label: str, **kw) -> Variable:
    return Variable(name, label, **kw)


def _p(name: str, label: str, description: str, **kw) -> Variable:
    return Variable(name, label, description, patient_variable=True, **kw)


_ALL = (
    # ADSL
    _v("sex", "Sex", levels={"F": "Female", "M": "Male"}),
    _v("female", "Female", levels={True: "Female", False: "Male"}),
    _v("age_years", "Age, years"),
    _v(
        "indication",
        "Indication",
        levels={
            "mrd_reemergence": "MRD re-emergence",
            "mrd_persistent": "MRD persistence",
            "chemo_intolerance": "Chemotherapy intolerance",
        },
    ),
    _v("prior_hsct", "Prior HSCT", levels={True: "Prior HSCT", False: "No prior HSCT"}),
    _v("prior_cart", "Prior CAR-T", levels={True: "Prior CAR-T", False: "No prior CAR-T"}),
    _v("cart_dose_e6_per_kg", "CAR-T dose, ×10⁶ cells/kg"),
    _v("diagnosis_to_infusion_months", "Diagnosis to infusion, months"),
    _v("genetic_lesions", "Genetic lesions"),
    _v(
        "risk_group",
        "Genetic risk group",
        levels={"standard": "Standard risk", "poor": "Poor risk", "unclassified": "Unclassified"},
    ),
    _v("pre_ld_mrd", "Pre-LD MRD", tables=(("mrd",),)),
    _v("pre_ld_mrd_category", "Pre-LD MRD", levels=_MRD_LEVELS, tables=(("mrd",),)),
    _v("post_ld_mrd", "Post-LD MRD", tables=(("mrd",),)),
    _v("post_ld_mrd_category", "Post-LD MRD", levels=_MRD_LEVELS, tables=(("mrd",),)),
    _v("response_d28", "Day-28 response", tables=(("marrow",),)),
    _v(
        "responder_d28",
        "Day-28 CR/CRi",
        levels={True: "CR/CRi", False: "No CR/CRi"},
        response=2,
        tables=(("marrow",),),
    ),
    _v("d28_mrd", "Day-28 MRD", tables=(("mrd",),)),
    _v(
        "mrd_negative_cr_d28",
        "Day-28 MRD-negative CR/CRi",
        levels={True: "MRD-negative CR/CRi", False: "No MRD-negative CR/CRi"},
        response=1,
        tables=(("marrow",), ("mrd",)),
    ),
    _v("bca", "B-cell aplasia", tables=(("labs",),)),
    _v("bca_onset_day", "BCA onset, day", tables=(("labs",),)),
    _v("bca_duration_days", "BCA duration, days", censored_by="bca_loss", tables=(("labs",),)),
    _v(
        "bca_loss",
        "B-cell recovery",
        description="loss of B-cell aplasia: B cells recovered (1), or aplasia censored (0)",
        levels={True: "B-cell recovery", False: "No B-cell recovery"},
        event_day="bca_loss_day",
        post_baseline=True,
        tables=(("labs",),),
    ),
    _v("bca_loss_day", "B-cell recovery, day after infusion", tables=(("labs",),)),
    _v(
        "hsct_after_cart",
        "HSCT after CAR-T",
        levels={True: "HSCT", False: "No HSCT"},
        event_day="hsct_day",
        post_baseline=True,
    ),
    _v("hsct_day", "HSCT, day after infusion"),
    _v("relapse", "Relapse", event_day="relapse_day", post_baseline=True),
    _v("relapse_day", "Relapse, day after infusion"),
    _v(
        "relapse_phenotype",
        "Relapse phenotype",
        levels={"cd19_negative": "CD19-negative", "cd19_positive": "CD19-positive"},
    ),
    _v("death", "Death", event_day="death_day", post_baseline=True),
    _v("death_day", "Death, day after infusion"),
    _v("death_cause", "Cause of death"),
    _v("last_contact_day", "Last contact, day"),
    _v("follow_up_days", "Follow-up, days"),
    _v("follow_up_months", "Follow-up, months"),
    # patient variables from grading, labs, adverse events, medications and NCA
    _p(
        "crs_max_grade",
        "CRS, highest grade",
        "highest ASTCT CRS grade (0 = none)",
        grade="CRS",
        tables=(("crs", "adverse_events"),),
    ),
    _p(
        "icans_max_grade",
        "ICANS, highest grade",
        "highest ASTCT ICANS grade (0 = none)",
        grade="ICANS",
        tables=(("icans", "adverse_events"),),
    ),
    _p(
        "tocilizumab",
        "Tocilizumab",
        "received tocilizumab after infusion",
        levels={True: "Tocilizumab", False: "No tocilizumab"},
        tables=(("medications", "crs"),),
    ),
    _p(
        "corticosteroid",
        "Corticosteroids",
        "received corticosteroids after infusion",
        levels={True: "Corticosteroids", False: "No corticosteroids"},
        tables=(("medications", "crs"),),
    ),
    _p(
        "neutropenia_max_grade",
        "Neutropenia, highest grade",
        "highest CTCAE neutropenia grade within the AE window",
        ae_window=True,
        grade="neutropenia",
        tables=(("labs",),),
    ),
    _p(
        "anc_nadir",
        "ANC nadir, 10⁹/L",
        "lowest ANC (10^9/L) within the AE window",
        ae_window=True,
        tables=(("labs",),),
    ),
    _p(
        "infection_4w",
        "Infection",
        "any infection within the AE window",
        ae_window=True,
        tables=(("adverse_events",),),
    ),
    _p(
        "infection_bacterial_4w",
        "Bacterial infection",
        "bacterial infection within the AE window",
        ae_window=True,
        tables=(("adverse_events",),),
    ),
    _p(
        "infection_viral_4w",
        "Viral infection",
        "viral infection within the AE window",
        ae_window=True,
        tables=(("adverse_events",),),
    ),
    _p(
        "infection_fungal_4w",
        "Fungal infection",
        "fungal infection within the AE window",
        ae_window=True,
        tables=(("adverse_events",),),
    ),
    _p("hlh", "HLH", "HLH after infusion", tables=(("adverse_events",),)),
    _p("gvhd", "GVHD", "GVHD after infusion", tables=(("adverse_events",),)),
    _p("il6_peak", "Peak IL-6, pg/mL", "highest IL-6 (pg/mL) after infusion", tables=(("labs",),)),
    _p("il6_peak_day", "Day of peak IL-6", "day of the highest IL-6", tables=(("labs",),)),
    _p(
        "cmax",
        "Cmax, copies/µg DNA",
        "NCA Cmax (copies/µg DNA)",
        log_scale=True,
        tables=(("kinetics",),),
    ),
    _p("tmax", "Tmax, days", "NCA Tmax (days)", tables=(("kinetics",),)),
    _p("tlast", "Tlast, days", "NCA Tlast (days)", tables=(("kinetics",),)),
    _p(
        "clast",
        "Clast, copies/µg DNA",
        "NCA Clast (copies/µg DNA)",
        log_scale=True,
        tables=(("kinetics",),),
    ),
    _p(
        "auc_window",
        "AUC0–28d, copies/µg DNA × day",
        "NCA AUC over settings.nca_window (copies/µg DNA x day)",
        log_scale=True,
        tables=(("kinetics",),),
    ),
    _p(
        "auclast",
        "AUClast, copies/µg DNA × day",
        "NCA AUC to Tlast",
        log_scale=True,
        tables=(("kinetics",),),
    ),
    _p("half_life", "Half-life, days", "NCA terminal half-life (days)", tables=(("kinetics",),)),
)

#: every registered variable by name, ADSL first, then the patient variables
VARIABLES: Mapping[str, Variable] = MappingProxyType({v.name: v for v in _ALL})

#: the patient variables (name -> description), added beside ADSL
PATIENT_VARIABLES: Mapping[str, str] = MappingProxyType(
    {v.name: v.description for v in _ALL if v.patient_variable}
)


#: the tables each endpoint is derived from (beyond patients and events)
ENDPOINT_TABLES: Mapping[str, tuple[tuple[str, ...], ...]] = MappingProxyType(
    {"PERSIST": (("kinetics",),), "BCADUR": (("labs",),)}
)


def event_day_variable(name: str | None) -> str | None:
    """The day variable of an event-after-time-zero variable (``hsct_day``), else None."""
    var = VARIABLES.get(name) if name is not None else None
    return var.event_day if var is not None else None


def censoring_variable(name: str | None) -> str | None:
    """The event indicator of a censored duration (``bca_loss`` of BCA duration), else None."""
    var = VARIABLES.get(name) if name is not None else None
    return var.censored_by if var is not None else None


def response_variables() -> tuple[str, ...]:
    """The response variables by rank (kinetic profiles use the first that varies)."""
    return tuple(v.name for v in sorted((v for v in _ALL if v.response), key=lambda v: v.response))


def log_scale_variables() -> frozenset[str]:
    """Variables drawn on a log axis."""
    return frozenset(v.name for v in _ALL if v.log_scale)


def per_10_fold(label: str) -> str:
    """The label of a variable entered per 10-fold change: "Cmax, per 10-fold"."""
    return f"{label.partition(',')[0].strip()}, per 10-fold"


def study_variables(tables) -> tuple[str, ...]:
    """Columns a study adds to its patients table (beyond the data format and the registry).

    They are carried into the analysis dataset, so a plan may name them like ADSL columns.
    """
    from ..schema.spec import TABLES

    patients = tables.get("patients") if hasattr(tables, "get") else None
    if patients is None:
        return ()
    specified = {c.name for c in TABLES["patients"].columns}
    return tuple(str(c) for c in patients.columns if c not in specified and c not in VARIABLES)


@dataclass(frozen=True)
class Labels:
    """Printed names of the variables of one plan run (the registry plus derived variables).

    Attributes
    ----------
    labels : mapping of str to str
        Printed name of each variable.
    levels : mapping of str to mapping
        Printed name of each level of yes/no and coded variables.
    post_baseline : frozenset of str
        Variables (registered or derived from one) that select patients by what happened
        after time zero.
    ae_window : frozenset of str
        Variables (registered or derived from one) counted only within the plan's
        adverse-event window after infusion.
    headers : mapping of str to str
        The heading above the levels of a derived variable (:meth:`header`).
    """

    labels: Mapping[str, str]
    levels: Mapping[str, Mapping]
    post_baseline: frozenset[str] = frozenset()
    ae_window: frozenset[str] = frozenset()
    headers: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def label(self, variable: str) -> str:
        """The printed name of ``variable`` (the name itself when none is known)."""
        return self.labels.get(variable, variable)

    def header(self, variable: str) -> str:
        """The heading above the levels of ``variable`` in a table (its label by default).

        A derived threshold or negation is headed by what it splits ("Age, cut-off 10 years",
        "Prior HSCT"), not by one of its levels.
        """
        return self.headers.get(variable, self.label(variable))

    def level_label(self, variable: str, level) -> str:
        """The printed name of one level of ``variable``."""
        levels = self.levels.get(variable, {})
        if level in levels:
            return levels[level]
        if isinstance(level, bool | np.bool_):
            return yes_no_levels(self.label(variable))[bool(level)]
        return str(level)


def labels_for(derived: Iterable = ()) -> Labels:
    """The :class:`Labels` of the registry and of a plan's derived variables.

    Parameters
    ----------
    derived : iterable
        The plan's derived variables (objects with ``name``, ``source``, ``rule``, ``value``
        and ``description``, as :class:`cartkit.plan.schema.DerivedVariable`).

    Returns
    -------
    Labels
    """
    labels = {v.name: v.label for v in _ALL}
    levels = {v.name: dict(v.levels) for v in _ALL if v.levels}
    post = {v.name for v in _ALL if v.post_baseline}
    grades = {v.name: v.grade for v in _ALL if v.grade}
    windowed = {v.name for v in _ALL if v.ae_window}
    headers: dict[str, str] = {}
    for var in derived:
        if any(s in windowed for s in var.source):
            windowed.add(var.name)
        if var.rule == "log10":
            # "Cmax, per 10-fold": the HR or OR of a log10 covariate is per 10-fold change
            source = labels.get(var.source[0], var.source[0])
            labels[var.name] = var.description or per_10_fold(source)
            continue
        levels[var.name] = derived_levels(var, labels, levels, grades)
        header = derived_header(var, labels, grades)
        if header and var.name in windowed:
            header += ", within the adverse-event window"
        if header:
            headers[var.name] = header
        labels[var.name] = var.description or levels[var.name][True]
        if var.rule == "not" and any(s in post for s in var.source):
            post.add(var.name)
    return Labels(
        MappingProxyType(labels),
        MappingProxyType({k: MappingProxyType(v) for k, v in levels.items()}),
        frozenset(post),
        frozenset(windowed),
        MappingProxyType(headers),
    )
