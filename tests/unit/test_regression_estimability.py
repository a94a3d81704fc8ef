"""Terms a Cox model cannot bound print NE, and an over-fitted model says so (review of a
23-patient study: "ICANS 3.20 (0.00–∞), p > 0.999" was printed and drawn as an estimate)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cartkit.report.sections._regression import events_per_term
from cartkit.runner.kinds._terms import INFINITE, UNBOUNDED, estimability
from cartkit.runner.kinds.regression import ModelTerms


def _terms(**cols):
    base = {"term": ["a", "b", "c", "d"], "estimate": [2.0, 3.2, 1e-9, np.nan]}
    return pd.DataFrame({**base, **cols})


def test_a_term_without_a_finite_positive_interval_is_unbounded():
    t = _terms(ci_lower=[0.5, 0.0, 0.0, np.nan], ci_upper=[8.0, np.inf, np.inf, np.nan])
    # c is the fit's infinite term; b sits beside it with an unbounded interval; d has no
    # estimate at all (not fitted: its own note comes from elsewhere)
    assert estimability(t, {"c"}, INFINITE) == ["", UNBOUNDED, INFINITE, ""]
    t = _terms(ci_lower=[0.5, 1e-3, np.nan, np.nan], ci_upper=[8.0, 1e3, 2.0, np.nan])
    assert estimability(t, set(), INFINITE) == ["", "", UNBOUNDED, ""]


def _model(role, n_terms, n_events, name="Model"):
    terms = pd.DataFrame(
        {
            "term": [f"x{i}" for i in range(n_terms)],
            "n_events": float(n_events),
            "note": "",
        }
    )
    return ModelTerms(name=name, role=role, terms=terms, variables=tuple(terms["term"]))


def test_fewer_than_10_events_per_term_gets_a_footnote():
    (note,) = events_per_term([_model("fixed", 5, 4, name="")])
    assert note.startswith("4 events for 5 terms (fewer than 10 per term)")
    assert events_per_term([_model("fixed", 5, 50)]) == []
    # univariate columns are one model per term
    assert events_per_term([_model("univariate", 5, 4)]) == []
    (note,) = events_per_term([_model("screened", 3, 12, name="Multivariable")])
    assert note.startswith("Multivariable: 12 events for 3 terms")
