"""What every analysis of a plan runs on.

One row per patient with every variable a plan can name (ADSL, the patient variables and the
plan's derived variables), the time-to-event dataset, NCA parameters and the raw kinetics.

:func:`build_context` derives all of it once; the analyses only select and compute.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import pandas as pd

from .._core.frames import plain_text_fields
from .._core.units import to_months
from ..derive.adam import Adam, derive_adam
from ..derive.patient_variables import derive_patient_variables
from ..derive.registry import Labels, labels_for, study_variables
from ..derive.rules import apply_derived
from ..derive.toxicity import grade_study
from ..errors import DataError
from ..kinetics import nca
from ..plan.schema import Plan, Settings

__all__ = ["Context", "build_context"]


@dataclass(frozen=True)
class Context:
    """The datasets of a plan run.

    Attributes
    ----------
    patients : pandas.DataFrame
        One row per patient (``patient_id`` column, in study order): ADSL, the runner
        variables and the plan's derived variables. Booleans are pandas ``boolean``.
    adtte : pandas.DataFrame
        ADTTE (``PARAMCD, patient_id, AVAL`` days, ``CNSR``, ``CAUSE``).
    nca : pandas.DataFrame or None
        NCA parameters per patient, with the plan's window, LLOQ and AUC method.
    kinetics : pandas.DataFrame or None
        The study's kinetics table (for profile figures).
    settings : cartkit.plan.schema.Settings
        The plan's settings.
    names : cartkit.derive.registry.Labels
        Printed name of each variable and of the levels of yes/no and coded variables
        (``{True: "HSCT", False: "No HSCT"}``), the registry's and the plan's derived ones.
    adam, crs, icans
        The derivations the variables came from (for derived/ and notes).
    tables : dict
        The study's tables.
    grading : dict of str to Derived
        The CRS and ICANS gradings (with their exclusions and findings), or None.
    """

    patients: pd.DataFrame
    adtte: pd.DataFrame
    nca: pd.DataFrame | None
    kinetics: pd.DataFrame | None
    settings: Settings
    names: Labels
    adam: Adam
    crs: pd.DataFrame | None = None
    icans: pd.DataFrame | None = None
    tables: dict = field(default_factory=dict)
    grading: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        plain_text_fields(self)

    def label(self, variable: str) -> str:
        """The printed name of ``variable`` (the name itself when none is known)."""
        return self.names.label(variable)

    def level_label(self, variable: str, level) -> str:
        """The printed name of one level of ``variable``."""
        return self.names.level_label(variable, level)

    def population(self, name: str | None) -> tuple[pd.DataFrame, list[str]]:
        """The patients of a population variable (all when ``None``), and notes on who is out.

        A patient whose population variable is missing is left out, and said so.
        """
        if name is None:
            return self.patients, []
        if name not in self.patients:
            raise DataError(f"population variable {name!r} is not a column of the patients data")
        flag = self.patients[name].astype("boolean")
        keep = flag.fillna(False).to_numpy(dtype=bool)
        notes = []
        missing = int(flag.isna().sum())
        if missing:
            notes.append(
                f"{missing} patient(s) with unknown {self.label(name)} are not in the population"
            )
        return self.patients[keep], notes

    def endpoint(self, paramcd: str, population: str | None = None) -> pd.DataFrame:
        """One endpoint's ADTTE rows joined to the patients of ``population``.

        Adds ``event`` (1 - CNSR), ``cause`` (0 censored, 1 event, 2 competing) and
        ``time_months``. Patients without a row for the endpoint are not in the result.
        """
        rows = self.adtte[self.adtte["PARAMCD"] == paramcd]
        rows = rows[["patient_id", "AVAL", "CNSR", "CAUSE"]]
        pats, _ = self.population(population)
        data = pats.merge(rows, on="patient_id", how="inner", validate="one_to_one")
        data["event"] = 1 - data["CNSR"].astype(int)
        data["cause"] = data["CAUSE"].astype(int)
        data["time_months"] = to_months(data["AVAL"])
        return data


def build_context(study, plan: Plan) -> Context:
    """Derive every dataset of a plan run from a validated study.

    Parameters
    ----------
    study : cartkit.Study
        The study.
    plan : cartkit.plan.schema.Plan
        The plan (its settings and derived variables are used).

    Returns
    -------
    Context
    """
    tables = study.tables
    settings = plan.settings
    with warnings.catch_warnings():
        # the derivations report their findings in the datasets; the runner lists them
        warnings.simplefilter("ignore")
        extra = study_variables(tables)
        adam = derive_adam(
            study, extra=tables["patients"][["patient_id", *extra]] if extra else None
        )
        grades, grading = {}, {}
        for term in ("crs", "icans"):
            grading[term] = grades[term] = None
            if tables.get(term) is None and tables.get("adverse_events") is None:
                continue
            try:
                grading[term] = grade_study(study, term)
            except DataError:
                # an adverse_events table with no rows of this term and no daily assessments:
                # the grades are unknown (missing), not 0, and the analyses say so
                continue
            grades[term] = grading[term].table
    params = None
    kin = tables.get("kinetics")
    if kin is not None and len(kin):
        params = nca(
            kin,
            lloq=settings.lloq,
            window=tuple(settings.nca_window),
            auc_method=settings.auc_method,
            lloq_column="lloq" if "lloq" in kin else None,
            blq="blq" if "blq" in kin else None,
        )
    extra = derive_patient_variables(
        tables,
        tables["patients"],
        crs=grades["crs"],
        icans=grades["icans"],
        nca=params,
        ae_window=settings.ae_window_days,
    )
    patients = adam.adsl.merge(extra, left_on="patient_id", right_index=True, how="left")
    patients = apply_derived(patients, plan.derived)
    return Context(
        patients=patients.reset_index(drop=True),
        adtte=adam.adtte,
        nca=params,
        kinetics=kin,
        settings=settings,
        names=labels_for(plan.derived),
        adam=adam,
        crs=grades["crs"],
        icans=grades["icans"],
        tables=dict(tables),
        grading=grading,
    )
