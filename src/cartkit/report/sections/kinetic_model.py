"""Tables and diagnostic figures of the ``kinetic_model`` kind (the cellular kinetic model).

The parameter table (typical value with its CI and RSE, between-patient SD with its scale,
shrinkage, the residual SD), the covariate tests (fold change of the typical value with its
CI, likelihood-ratio p), and the four diagnostics of a population fit: goodness of fit, CWRES
against time, the visual predictive check with its below-LLOQ panel, and individual fits.
Numbers come from :mod:`cartkit.runner.kinds.kinetic_model`; nothing is computed here.
"""

from __future__ import annotations

import re
from functools import partial

import pandas as pd

from ...runner.kinds.kinetic_model import KineticModelRunResult
from ..figures.ckmodel import (
    ckmodel_cwres_figure,
    ckmodel_gof_figure,
    ckmodel_individual_figure,
    ckmodel_vpc_figure,
)
from ..format import fmt_num, fmt_p, fmt_sig, fmt_sig_ci
from ..types import ReportFigure, ReportTable
from ._base import Section, Show, table_heading
from ._ckmodel_precision import (
    imprecise_footnote,
    lrt_footnote,
    lrt_ok,
    no_precision,
    not_converged_footnote,
)
from ._regression import conf_pct

__all__ = ["PRESENTERS", "present_kinetic_model"]

#: printed name of each parameter (unit after the comma, as the registry's labels)
PARAMETER_LABELS = {
    "cmax": "Cmax, copies/µg DNA",
    "tmax": "Tmax, days",
    "rho": "ρ, expansion rate, /day",
    "alpha": "α, contraction rate, /day",
    "beta": "β, persistence rate, /day",
    "fb": "FB, persisting fraction",
}
_SHORT = {"cmax": "Cmax", "tmax": "Tmax", "rho": "ρ", "alpha": "α", "beta": "β", "fb": "FB"}
_RESIDUAL_LABELS = {
    "log_additive": {"sigma": "σ, residual SD (log scale)"},
    "additive": {"sigma": "σ, residual SD, copies/µg DNA"},
    "proportional": {"sigma": "σ, residual SD (proportional)"},
    "combined": {
        "sigma_add": "σ additive, residual SD, copies/µg DNA",
        "sigma_prop": "σ proportional, residual SD",
    },
}
_ERROR_TEXT = {
    "log_additive": "additive on the log scale: log C = log f + ε, ε ~ N(0, σ²)",
    "additive": "additive: C = f + ε, ε ~ N(0, σ²)",
    "proportional": "proportional: C = f·(1 + ε), ε ~ N(0, σ²)",
    "combined": "combined: C = f + ε, ε ~ N(0, σ_add² + σ_prop²·f²)",
}
_ABBREVIATIONS = {
    "CI": "confidence interval",
    "Cmax": "peak transgene level",
    "CRS": "cytokine release syndrome",
    "CWRES": "conditional weighted residuals",
    "FB": "fraction of persisting (memory) cells",
    "IIV": "inter-individual (between-patient) variability",
    "IPRED": "individual prediction",
    "LLOQ": "lower limit of quantification",
    "LRT": "likelihood-ratio test",
    "MRD": "measurable residual disease",
    "PRED": "population prediction",
    "RSE": "relative standard error",
    "SAEM": "stochastic approximation expectation-maximisation",
    "SD": "standard deviation",
    "Tmax": "day of the peak transgene level",
    "VPC": "visual predictive check",
}
_MODEL_TEXT = (
    "Population (nonlinear mixed-effects) model of the CAR transgene by qPCR (Stein et al. "
    "2019): C = Cmax·exp(ρ·(t − Tmax)) up to Tmax (expansion), then C = Cmax·[(1 − FB)·"
    "exp(−α·(t − Tmax)) + FB·exp(−β·(t − Tmax))] (contraction of effector cells and a "
    "persisting memory fraction FB)."
)


def _abbreviations(*texts: str) -> str:
    """The abbreviations ``texts`` use, spelled out: ``"CI, confidence interval; ..."``."""
    blob = " ".join(texts)
    found = [
        f"{k}, {v}"
        for k, v in _ABBREVIATIONS.items()
        if re.search(rf"(?<![\w-]){re.escape(k)}(?![\w-])", blob)
    ]
    return "; ".join(sorted(found, key=str.lower)) + ("." if found else "")


def _level(show: Show, var: str, value: bool) -> str:
    return show.level_label(var, value)


def _reference_text(result: KineticModelRunResult, show: Show) -> str:
    """``no grade ≥ 3 CRS and MRD-negative CR/CRi``: the covariate values of the typical value."""
    tests = result.data.get(f"{result.analysis.id}_covariates")
    if tests is None or tests.empty:
        return ""
    parts = [
        _level(show, var, False) if var in result.binary else f"{show.label(var)} = 0"
        for var in dict.fromkeys(tests["term"])
    ]
    return " and ".join(parts)


def _iiv_cell(row) -> str:
    if pd.isna(row["iiv_sd"]):
        return "fixed (none)"
    text = f"{fmt_sig(row['iiv_sd'])} ({fmt_num(row['iiv_rse'], 1)})"
    return text + (", logit scale" if row["iiv_scale"] == "logit" else "")


def _parameter_display(result: KineticModelRunResult, pct: str) -> pd.DataFrame:
    data = result.data[result.analysis.id]
    residual = _RESIDUAL_LABELS[result.fit.error]
    typical, iiv = f"Typical value ({pct} CI)", "IIV, SD of the log parameter (RSE, %)"
    rows = []
    for _, row in data.iterrows():
        param = row["parameter"]
        is_residual = param in residual
        imprecise = no_precision(row["se"], row["rse"])
        rows.append(
            {
                "Parameter": residual[param] if is_residual else PARAMETER_LABELS[param],
                typical: f"{fmt_sig(row['estimate'])} (–)"
                if imprecise
                else fmt_sig_ci(row["estimate"], row["ci_lower"], row["ci_upper"]),
                "RSE, %": "–ᵃ" if imprecise else fmt_num(row["rse"], 1),
                iiv: "" if is_residual else _iiv_cell(row),
                "Shrinkage, %": ""
                if is_residual or pd.isna(row["shrinkage"])
                else fmt_num(100 * row["shrinkage"], 0),
            }
        )
    return pd.DataFrame(rows)


def _fit_footnote(result: KineticModelRunResult) -> str:
    fit = result.fit
    return (
        f"{fit.n_patients} patients, {fit.n_obs:,} samples after infusion ({fit.n_blq:,} below "
        f"the LLOQ); −2 log-likelihood {fmt_num(-2 * fit.loglik, 1, thousands=True)} "
        f"(Monte Carlo SE {fmt_num(2 * fit.loglik_se, 2)}), AIC "
        f"{fmt_num(fit.aic, 1, thousands=True)}, BIC {fmt_num(fit.bic, 1, thousands=True)}; "
        f"seed {fit.seed}."
    )


def _parameter_footnotes(result: KineticModelRunResult, show: Show, pct: str) -> list[str]:
    fit = result.fit
    explore, smooth = result.iterations
    notes = [not_converged_footnote()] if not fit.converged else []
    labels = {**PARAMETER_LABELS, **_RESIDUAL_LABELS[fit.error]}
    imprecise = imprecise_footnote(result.data[result.analysis.id], labels)
    if imprecise:
        notes.append(imprecise)
    notes += [
        _MODEL_TEXT,
        f"Estimated by SAEM (Kuhn & Lavielle 2005; the algorithm of Monolix; {explore} "
        f"exploratory and {smooth} smoothing iterations), then Newton steps on the "
        "importance-sampled log-likelihood; standard errors from the observed Fisher "
        f"information; {pct} Wald CIs on the log scale (logit for FB), transformed back.",
        "Values below the LLOQ enter the likelihood as censored observations (Beal's M3): "
        "the probability of a value below the LLOQ, never a 0 and never dropped.",
        f"Residual error {_ERROR_TEXT[fit.error]}.",
        "IIV is log-normal (logit-normal for FB): its SD is that of the log (logit) "
        "parameter between patients. Shrinkage, 1 − SD(individual estimates)/IIV SD: above "
        "about 30%, individual estimates of that parameter lean on the typical value.",
    ]
    reference = _reference_text(result, show)
    if reference:
        notes.append(f"Typical values are those of a patient with {reference} (see the "
                     "covariate effects).")  # fmt: skip
    notes.append(_fit_footnote(result))
    return notes


def _parameter_table(result: KineticModelRunResult, show: Show) -> ReportTable:
    pct = conf_pct(show.settings.conf_level)
    display = _parameter_display(result, pct)
    footnotes = _parameter_footnotes(result, show, pct)
    text = " ".join([*footnotes, *display.columns, *display.iloc[:, 0]])
    title = f"{result.analysis.title}: parameters"
    if not result.fit.converged:
        title += " (the fit did not converge)"
    return ReportTable(
        **{**table_heading(result.analysis), "title": title},
        data=result.data[result.analysis.id],
        display=display,
        footnotes=tuple(footnotes),
        abbreviations=_abbreviations(text),
        column_labels={
            "estimate": "Typical value",
            "se": "SE",
            "rse": "RSE, %",
            "ci_lower": f"Typical value, {pct} CI lower",
            "ci_upper": f"Typical value, {pct} CI upper",
            "iiv_scale": "IIV scale (SD of the log or logit parameter)",
            "iiv_sd": "IIV, SD",
            "iiv_rse": "IIV, RSE %",
            "iiv_ci_lower": f"IIV SD, {pct} CI lower",
            "iiv_ci_upper": f"IIV SD, {pct} CI upper",
            "shrinkage": "Shrinkage (fraction)",
        },
    )


def _effect_label(show: Show, var: str, binary: bool, row) -> str:
    if not binary:
        return f"{show.label(var)}, per unit"
    n, k = int(row["n"]), int(row["n_level"])
    return f"{_level(show, var, True)} ({k}) vs {_level(show, var, False)} ({n - k})"


def _covariate_table(result: KineticModelRunResult, show: Show) -> ReportTable:
    analysis = result.analysis
    pct = conf_pct(show.settings.conf_level)
    data = result.data[f"{analysis.id}_covariates"]
    fold = f"Fold change ({pct} CI)"
    display = pd.DataFrame(
        {
            "Parameter": [_SHORT[p] for p in data["parameter"]],
            "Covariate (patients)": [
                _effect_label(show, row["term"], row["term"] in result.binary, row)
                for _, row in data.iterrows()
            ],
            fold: [
                fmt_sig_ci(r["fold_change"], r["fold_ci_lower"], r["fold_ci_upper"])
                for _, r in data.iterrows()
            ],
            "Coefficient (SE)": [
                f"{fmt_num(r['estimate'], 2)} ({fmt_num(r['se'], 2)})" for _, r in data.iterrows()
            ],
            "p (LRT)": [
                fmt_p(r["p_value"]) + ("" if lrt_ok(r) else "ᵃ") for _, r in data.iterrows()
            ],
        }
    )
    footnotes = [
        "Each covariate acts on the log (logit for FB) scale of the parameter's typical value: "
        "the fold change is the ratio of typical values between the covariate's levels "
        "(exp of the coefficient; an odds ratio for FB), with its Wald CI.",
        "p by the likelihood-ratio test (1 degree of freedom) of the model against the model "
        "refitted without that effect; both log-likelihoods carry Monte Carlo error.",
        f"Patients in the model: {int(data['n'].iloc[0])}; in parentheses, the patients at each "
        "level.",
    ]
    unreliable = lrt_footnote(data, show)
    if unreliable:  # the count of patients stays last
        footnotes.insert(len(footnotes) - 1, unreliable)
    if not result.fit.converged:
        footnotes.insert(0, not_converged_footnote())
    text = " ".join([*footnotes, *display.columns, *display.iloc[:, 1]])
    title = f"{analysis.title}: covariate effects"
    if not result.fit.converged:
        title += " (the fit did not converge)"
    return ReportTable(
        id=f"{analysis.id}_covariates",
        analysis_id=analysis.id,
        title=title,
        source=analysis.source,
        data=data,
        display=display,
        footnotes=tuple(footnotes),
        abbreviations=_abbreviations(text),
        column_labels={
            "term": "Covariate",
            "n": "Patients in the model",
            "n_level": "Patients at level 1 (yes)",
            "estimate": "Coefficient (log scale)",
            "se": "SE",
            "ci_lower": f"Coefficient, {pct} CI lower",
            "ci_upper": f"Coefficient, {pct} CI upper",
            "fold_change": "Fold change",
            "fold_ci_lower": f"Fold change, {pct} CI lower",
            "fold_ci_upper": f"Fold change, {pct} CI upper",
            "statistic": "Likelihood-ratio statistic",
            "dof": "Degrees of freedom",
            "p_value": "p (likelihood-ratio test)",
            "wald_p_value": "p (Wald test)",
            "lrt_converged": "Both fits of the likelihood-ratio test converged",
        },
    )


def _figures(result: KineticModelRunResult, show: Show) -> list[ReportFigure]:
    analysis, fit = result.analysis, result.fit
    obs, fid = fit.observations, analysis.id
    n_blq = f"{fit.n_blq:,} of {fit.n_obs:,} values below the LLOQ"
    n_pat = fit.n_patients
    shown = min(16, n_pat)
    sample = (
        f"{shown} of the {n_pat} patients, drawn at random"
        if n_pat > shown
        else f"each of the {n_pat} patients"
    )
    specs = [
        (
            "gof",
            "Goodness of fit: observed levels against population and individual predictions",
            partial(ckmodel_gof_figure, obs),
            "Observed CAR transgene levels against the population prediction (PRED: typical "
            "parameters, given the covariates) and the individual prediction (IPRED: each "
            f"patient's estimated parameters); dashed line of identity; log scales. {n_blq} "
            "have no observed value to plot and are not shown. A population prediction more "
            "than a decade below the smallest observed value (late, in a patient whose cells "
            "persisted longer than the typical patient's) is marked ◀ at the left edge.",
        ),
        (
            "cwres",
            "Conditional weighted residuals against time",
            partial(ckmodel_cwres_figure, obs),
            "Conditional weighted residuals (CWRES; Hooker et al. 2007) of the quantified "
            "values against days since infusion; dashed lines at ±2. Without model "
            f"misspecification they scatter around 0 with no trend. {n_blq} have no residual; "
            "near the LLOQ only the values above it have one, so late residuals lean above 0.",
        ),
        (
            "vpc",
            "Visual predictive check",
            partial(ckmodel_vpc_figure, fit.vpc),
            "Observed 5th, 50th and 95th percentiles of the levels in each time bin (black) "
            "against the 90% interval of the same percentiles over 200 studies simulated from "
            "the model at the observed times (shaded; line: their median); log scale. Lower "
            "panel: the fraction of values below the LLOQ, observed and simulated. A percentile "
            "below the LLOQ is not drawn. Where sampling stopped after values below the LLOQ, "
            "late bins hold only the patients whose cells persisted while the simulated "
            "studies give those patients new parameters: the simulated fraction below the "
            "LLOQ exceeds the observed one there by design, not by misfit.",
        ),
        (
            "individual",
            "Individual fits",
            partial(ckmodel_individual_figure, obs, result.curves),
            f"CAR transgene levels of {sample}, with the individual prediction (IPRED, solid) "
            "and the population prediction (PRED, dashed); values below the LLOQ as open "
            "circles at the LLOQ; log scale.",
        ),
    ]
    figures = []
    for suffix, title, draw, caption in specs:
        figures.append(
            ReportFigure(
                id=f"{fid}_{suffix}",
                analysis_id=fid,
                title=title,
                draw=draw,
                caption=caption + " " + _abbreviations(caption),
                source=analysis.source,
            )
        )
    return figures


def present_kinetic_model(result: KineticModelRunResult, show: Show) -> Section:
    """The parameter table, the covariate tests (when the plan names covariates), the figures."""
    tables = [_parameter_table(result, show)]
    if f"{result.analysis.id}_covariates" in result.data:
        tables.append(_covariate_table(result, show))
    return Section(tables=tables, figures=_figures(result, show))


PRESENTERS = {"kinetic_model": present_kinetic_model}
