"""The ``kinetics`` and ``correlation`` kinds give R's numbers end to end.

Sources (byte-identical copies of /work/shared/reference beside this file):
- cart_kinetics.csv, cart_kinetics_nca_reference.json: PKNCA 0.12.1 NCA of 40 simulated CAR-T
  profiles (scripts/nca_reference.R, LLOQ 100, ``aucint.last`` over [0, 28]); the kind's
  median (range) of each parameter must be that of PKNCA's per-profile values.
- birthwt.csv, birthwt_reference.json: MASS ``birthwt`` (scripts/reference_visible.R):
  ``cor.test(lwt, bwt, method = "spearman", exact = FALSE)``, ``cor.test(lwt, bwt)``,
  ``shapiro.test(bwt)``, ``wilcox.test(bwt ~ smoke, exact = FALSE)``. The kinetics kind
  analyses NCA parameter columns, so for the Mann-Whitney check ``bwt`` is passed as the
  column ``cmax`` and ``smoke`` as the subgroup.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cartkit.derive.registry import labels_for
from cartkit.kinetics import nca
from cartkit.plan.schema import Correlation, Kinetics, Settings
from cartkit.runner.context import Context
from cartkit.runner.kinds.correlation import run_correlation
from cartkit.runner.kinds.kinetics import run_kinetics

HERE = Path(__file__).parent
REL = 1e-6


def _context(patients, nca_table=None, kinetics=None):
    return Context(
        patients=patients,
        adtte=pd.DataFrame(),
        nca=nca_table,
        kinetics=kinetics,
        settings=Settings(),
        names=labels_for(()),
        adam=None,
    )


@pytest.fixture(scope="module")
def birthwt():
    df = pd.read_csv(HERE / "birthwt.csv")
    df.insert(0, "patient_id", [f"B{i:03d}" for i in range(len(df))])
    return df


@pytest.fixture(scope="module")
def birthwt_ref():
    return json.loads((HERE / "birthwt_reference.json").read_text())


def test_kinetics_summaries_equal_pknca():
    kin = pd.read_csv(HERE / "cart_kinetics.csv")
    ref = json.loads((HERE / "cart_kinetics_nca_reference.json").read_text())
    params = nca(kin, lloq=100.0, window=(0.0, 28.0))
    ctx = _context(params.copy(), params, kin)
    analysis = Kinetics(id="k", title="k", parameters=("cmax", "auc_window", "tlast"))
    result = run_kinetics(analysis, ctx)
    data = result.data["k"].set_index("parameter")
    expected = pd.DataFrame(ref["results"])
    for name in analysis.parameters:
        values = pd.to_numeric(expected[name], errors="coerce").dropna().to_numpy(float)
        got = data.loc[name]
        assert got["n"] == len(values)
        assert got["median"] == pytest.approx(np.median(values), rel=REL)
        assert got["min"] == pytest.approx(values.min(), rel=REL)
        assert got["max"] == pytest.approx(values.max(), rel=REL)
    assert result.n == 40
    # no response variable: the overall profiles only
    assert result.samples is not None and result.response is None


def test_subgroup_mann_whitney_equals_wilcox_test(birthwt, birthwt_ref):
    patients = birthwt.assign(cmax=birthwt["bwt"].astype(float), smoke=birthwt["smoke"] == 1)
    ctx = _context(patients, patients[["patient_id", "cmax"]])
    analysis = Kinetics(id="t3", title="t3", parameters=("cmax",), subgroups=("smoke",))
    data = run_kinetics(analysis, ctx).data["t3"]
    assert data["p_value"].tolist() == pytest.approx(
        [birthwt_ref["mannwhitney_bwt_smoke"]["p"]] * 2, rel=REL
    )
    assert (data["test"] == "Mann-Whitney").all()


@pytest.mark.parametrize(
    ("method", "key", "estimate"),
    [("spearman", "spearman_lwt_bwt", "rho"), ("pearson", "pearson_lwt_bwt", "r")],
)
def test_correlation_equals_cor_test(birthwt, birthwt_ref, method, key, estimate):
    analysis = Correlation(id="c", title="c", pairs=(("lwt", "bwt"),), method=method)
    row = run_correlation(analysis, _context(birthwt)).data["c"].iloc[0]
    assert row["method"] == method
    assert row["estimate"] == pytest.approx(birthwt_ref[key][estimate], rel=REL)
    assert row["p_value"] == pytest.approx(birthwt_ref[key]["p"], rel=REL)


def test_auto_rule_uses_r_shapiro_wilk(birthwt, birthwt_ref):
    analysis = Correlation(id="c", title="c", pairs=(("lwt", "bwt"),), method="auto")
    row = run_correlation(analysis, _context(birthwt)).data["c"].iloc[0]
    assert row["shapiro_p_y"] == pytest.approx(birthwt_ref["shapiro_bwt_p"], rel=REL)
    # bwt looks normal (R p = 0.435) but lwt is right-skewed: the rule falls to Spearman
    assert row["shapiro_p_x"] <= 0.05
    assert row["method"] == "spearman"
    assert row["estimate"] == pytest.approx(birthwt_ref["spearman_lwt_bwt"]["rho"], rel=REL)
