"""Tables and forest plots of the Cox kinds (:mod:`cartkit.runner.kinds.models`).

``cox``: one model (Tables 1A/1B); ``cox_screening``: each candidate alone and the model of those
with p below the threshold (Supplementary Table S2). The table itself is the regression table of
:mod:`._regression`; this module writes the Cox footnotes and captions.
"""

from __future__ import annotations

from ...derive.registry import VARIABLES
from ...derive.time_to_event import DEFAULT_ENDPOINTS
from ...runner.kinds._survival_common import sentence_case
from ..format import p_phrase
from ._base import Section, Show
from ._regression import conf_pct, forest_spec, left_out, regression_table

__all__ = ["PRESENTERS", "no_model_note", "present_cox", "present_cox_screening"]

_ENDPOINT_NAMES = {e.paramcd: e.param for e in DEFAULT_ENDPOINTS}
_CI_ABBREVIATIONS = "HR, hazard ratio; CI, confidence interval."


def _endpoint_name(paramcd: str, *, capital: bool = False) -> str:
    name = _ENDPOINT_NAMES.get(paramcd)
    if not name:
        return paramcd
    first = name[0] if capital else name[0].lower()
    return f"{first}{name[1:]} ({paramcd})"


def _method_footnotes(show: Show, pct: str) -> list[str]:
    ties = show.settings.cox_ties.capitalize()
    return [
        f"Cox proportional hazards model ({ties} ties); HR with Wald {pct} CI; p by the Wald test.",
        "Continuous variables: HR per 1-unit increase; yes/no variables: HR of yes versus no; "
        "categorical variables: HR of each level versus the reference level.",
    ]


def _time_dependent_footnotes(result, show: Show) -> list[str]:
    """Which covariates are time-dependent, and how (counting-process data)."""
    shown = [v for v in result.time_dependent if v in result.rows]
    if not shown:
        return []
    parts = []
    for var in shown:
        yes = show.level_label(var, True)
        text = f"{show.label(var)} (0 before the day of {sentence_case(yes)}, 1 from that day on"
        durations = [v.label.split(",")[0] for v in VARIABLES.values() if v.censored_by == var]
        if durations:
            text += f"; 0 throughout when {durations[0]} is censored"
        parts.append(text + ")")
    which = " and ".join([", ".join(parts[:-1]), parts[-1]] if len(parts) > 1 else parts)
    plural = "s" if len(parts) > 1 else ""
    return [
        f"Time-dependent covariate{plural}: {which}. Each patient's follow-up is split at the "
        "day of the change (counting-process data, as R tmerge; coxph(Surv(tstart, tstop, "
        "event) ~ ...)), so the time before it counts as before; an event on the day of a "
        "change counts under the old value. Patients and events are counted once each."
    ]


def _ph_footnotes(model) -> list[str]:
    """The global proportional-hazards test (R ``cox.zph``) of a model, when it was computed."""
    if "ph_global_p" not in model.checks:
        return []
    return [
        "Proportional-hazards assumption: global test on scaled Schoenfeld residuals "
        f"(as R cox.zph, Kaplan-Meier time scale), {p_phrase(model.checks['ph_global_p'])}."
    ]


def present_cox(result, show: Show) -> Section:
    """The table of one Cox model, ``Variable | HR (95% CI) | p``, and its forest plot."""
    analysis = result.analysis
    pct = conf_pct(show.settings.conf_level)
    (model,) = (m for m in result.models if m.fitted)
    footnotes = [
        f"{_endpoint_name(analysis.endpoint, capital=True)}: {model.n} patients, "
        f"{model.n_events} events.",
        *_method_footnotes(show, pct),
        *_time_dependent_footnotes(result, show),
        *_ph_footnotes(model),
        "Covariates fixed in advance by the analysis plan, not selected from this study's data.",
    ]
    dropped = ", ".join(show.label(v) for v in left_out(model))
    note = f"without {dropped}: see the notes" if dropped else ""
    table = regression_table(result, show, footnotes=footnotes, test="Wald test", title_note=note)
    section = Section(tables=[table])
    if model.forest is not None:
        caption = (
            f"Hazard ratios with {pct} confidence intervals of the Cox model of "
            f"{_endpoint_name(analysis.endpoint)} ({model.n} patients, {model.n_events} "
            f"events, {show.settings.cox_ties.capitalize()} ties); p by the Wald test. "
            f"{_CI_ABBREVIATIONS}"
        )
        section.figures.append(forest_spec(result, model, show, caption))
    return section


def present_cox_screening(result, show: Show) -> Section:
    """Univariate and multivariable HR columns side by side, and the multivariable forest plot."""
    analysis = result.analysis
    pct = conf_pct(show.settings.conf_level)
    threshold = result.threshold
    footnotes = [
        f"{_endpoint_name(analysis.endpoint, capital=True)}: {result.n_with_outcome} patients, "
        f"{result.n_events} events.",
        *_method_footnotes(show, pct),
        *_time_dependent_footnotes(result, show),
        f"Every candidate variable is shown; those with univariate p < {threshold:g} entered "
        "the multivariable model (for a categorical variable, its smallest level p).",
    ]
    multi = next((m for m in result.models if m.role == "screened"), None)
    if multi is not None:
        footnotes.append(f"Multivariable model: {multi.n} patients, {multi.n_events} events.")
        footnotes += _ph_footnotes(multi)
    note = "" if multi is not None else no_model_note(result, "multivariable model")
    table = regression_table(result, show, footnotes=footnotes, test="Wald test", title_note=note)
    section = Section(tables=[table])
    if multi is not None and multi.forest is not None:
        caption = (
            f"Hazard ratios with {pct} confidence intervals of the multivariable Cox model "
            f"of {_endpoint_name(analysis.endpoint)} ({multi.n} patients, {multi.n_events} "
            f"events): the candidates with univariate p < {threshold:g}; p by the Wald "
            f"test. {_CI_ABBREVIATIONS}"
        )
        section.figures.append(forest_spec(result, multi, show, caption))
    return section


def no_model_note(result, noun: str) -> str:
    """Why a screening table has no model of the candidates with p below the threshold."""
    (uni,) = [m for m in result.models if m.role == "univariate"] or [None]
    p = uni.terms["p_value"] if uni is not None else None
    if p is not None and p.notna().any() and not (p < result.threshold).any():
        return f"no {noun}: no candidate had univariate p < {result.threshold:g}"
    return f"no {noun}: it could not be fitted, see the notes"


PRESENTERS = {"cox": present_cox, "cox_screening": present_cox_screening}
