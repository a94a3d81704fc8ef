"""Table and forest plots of the ``logistic_screening`` kind (Table 2, Supplementary Table S4).

The table is the regression table of :mod:`._regression` (numbers from
:mod:`cartkit.runner.kinds.logistic`); this module writes the logistic footnotes and captions.
"""

from __future__ import annotations

from ._base import Section, Show
from ._regression import conf_pct, forest_spec, left_out, regression_table
from .models import no_model_note

__all__ = ["PRESENTERS", "method_text", "present_logistic_screening"]


def method_text(method: str, ci: str, pct: str) -> tuple[str, str]:
    """The footnote naming the fit, interval and test, and the test's short name."""
    fit = (
        "Maximum-likelihood logistic regression"
        if method == "ml"
        else "Firth's penalised-likelihood logistic regression"
    )
    if ci == "wald":
        interval = f"Wald {pct} CI"
    elif method == "ml":
        interval = f"profile-likelihood {pct} CI"
    else:
        interval = f"profile penalised-likelihood {pct} CI"
    test = (
        "penalised likelihood-ratio test" if (method, ci) == ("firth", "profile") else "Wald test"
    )
    return f"{fit}; {interval}; p by the {test}.", test


def present_logistic_screening(result, show: Show) -> Section:
    """Univariate, screened and named models' OR columns side by side; a forest plot of each.

    Every candidate is a row; a variable outside a model is blank in its column, a term with
    an infinite maximum-likelihood estimate (separation) prints "NE".
    """
    analysis = result.analysis
    pct = conf_pct(show.settings.conf_level)
    threshold = result.threshold
    outcome = show.label(analysis.outcome)
    method_note, test = method_text(analysis.method, analysis.ci, pct)
    footnotes = [
        f"{outcome}: {result.n_events} events in {result.n_with_outcome} patients.",
        method_note,
        "Continuous variables: OR per 1-unit increase; yes/no variables: OR of yes versus no; "
        "categorical variables: OR of each level versus the reference level.",
    ]
    if analysis.screened_model:
        footnotes.append(
            f"Every candidate variable is shown; those with univariate p < {threshold:g} "
            "entered the screened model (for a categorical variable, its smallest level p)."
        )
    named = [m.name for m in result.models if m.role == "fixed"]
    if named:
        footnotes.append(
            "Every candidate variable is shown, not only those with univariate p < "
            f"{threshold:g}; {' and '.join(named)} have the covariates set by the analysis plan."
        )
    multis = [m for m in result.columns if m.role != "univariate" and m.fitted]
    footnotes += [f"{m.name}: {m.n} patients, {m.n_events} events." for m in multis]
    notes = []
    if analysis.screened_model and not any(m.role == "screened" for m in result.models):
        notes.append(no_model_note(result, "screened model"))
    for model in (m for m in result.models if m.role == "fixed"):
        dropped = left_out(model)
        if not model.fitted:
            notes.append(f"{model.name} not fitted, see the notes")
        elif dropped:
            notes.append(f"{model.name} without {', '.join(show.label(v) for v in dropped)}")
    table = regression_table(
        result, show, footnotes=footnotes, test=test, texts=[outcome], title_note="; ".join(notes)
    )
    section = Section(tables=[table])
    for model in multis:
        if model.forest is None:
            continue
        caption = (
            f"Odds ratios of {outcome} with {pct} confidence intervals, {model.name} "
            f"({model.n} patients, {model.n_events} events). {method_note} OR, odds ratio; "
            "CI, confidence interval."
        )
        section.figures.append(forest_spec(result, model, show, caption))
    return section


PRESENTERS = {"logistic_screening": present_logistic_screening}
