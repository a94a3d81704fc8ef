"""Runner model kinds on small random cohorts: thin data never makes them fail.

Their tables stay consistent: one style per display row, text cells only, unique headers,
ratios and p-values in range, unique table and figure ids.
"""

from __future__ import annotations

import warnings

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure
from tests.present import run_and_present

import cartkit as ck
from cartkit.plan.default import default_plan
from cartkit.runner.context import build_context
from cartkit.runner.kinds.models import RUNNERS


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(8, 25), seed=st.integers(0, 10_000))
def test_every_model_analysis_runs_on_a_small_cohort(n, seed):
    plan = default_plan()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ctx = build_context(ck.simulate_study(n, seed=seed), plan)
    ids = set()
    for analysis in plan.analyses:
        if analysis.kind not in RUNNERS:
            continue
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = run_and_present(RUNNERS[analysis.kind], analysis, ctx)
        # the kinds turn every library warning into a note with its context
        assert not [w for w in caught if issubclass(w.category, ck.errors.ConvergenceWarning)]
        assert 0 <= out.n <= n
        for table in out.tables:
            assert table.id not in ids
            ids.add(table.id)
            assert len(table.row_styles) == len(table.display)
            assert all(isinstance(c, str) for c in table.display.to_numpy().ravel())
            assert table.display.columns.is_unique
            for col in ("estimate", "ci_lower", "ci_upper", "p_value"):
                values = table.data[col].to_numpy(dtype=float)
                assert ((values >= 0) | np.isnan(values)).all()
            p = table.data["p_value"].to_numpy(dtype=float)
            assert ((p <= 1) | np.isnan(p)).all()
        for fig in out.figures:
            assert fig.id not in ids
            ids.add(fig.id)
            # drawn when the report is written: whatever the runner let through must draw
            assert isinstance(fig.figure, Figure)
