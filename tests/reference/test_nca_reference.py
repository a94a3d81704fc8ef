"""NCA against PKNCA 0.12.1.

Source: /work/shared/reference (copied byte-identical beside this file):
- theoph.csv, theoph_nca_reference.json: R ``datasets::Theoph``;
- cart_kinetics.csv, cart_kinetics_nca_reference.json: 40 simulated CAR-T transgene profiles,
  values below LLOQ 100 set to 0 before NCA.
Both made by scripts/nca_reference.R (``Rscript nca_reference.R OUT_DIR SEED N PREFIX``):
``pk.nca(PKNCAdata(PKNCAconc(d, conc ~ time | id), intervals = iv))`` with PKNCA defaults
(lin up/log down, conc.blq first keep / middle drop / last keep, half-life: points after Tmax,
>= 3 points, adj. R² within 1e-4 of the best, most points) over two intervals:
``[0, window_end]`` with ``aucint.last`` and ``[0, Inf]`` with cmax, tmax, tlast, clast.obs,
auclast, half.life. Window end 24 (Theoph) and 28 (CAR-T). Names map as
aucint.last -> auc_window, clast.obs -> clast, lambda.z -> lambda_z, adj.r.squared -> r2_adj,
lambda.z.n.points -> n_lambda_z. The script replaces the NaN that PKNCA 0.12.1 returns for
aucint.last when the unsampled window end lies after a BLQ that follows Tlast by AUClast.
A parameter PKNCA could not compute is absent or null in the JSON: cartkit must give NaN there.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cartkit.kinetics import nca

HERE = Path(__file__).parent
PARAMS = [
    "cmax",
    "tmax",
    "tlast",
    "clast",
    "auc_window",
    "auclast",
    "lambda_z",
    "half_life",
    "r2_adj",
    "n_lambda_z",
]
CASES = {
    "theoph": dict(id="id", time="time", conc="conc", lloq=0.0, window=(0, 24)),
    "cart_kinetics": dict(lloq=100.0, window=(0, 28)),
}


def _load(name):
    ref = json.loads((HERE / f"{name}_nca_reference.json").read_text())
    expected = pd.DataFrame(ref["results"]).set_index("id")
    for param in PARAMS:
        if param not in expected:
            expected[param] = np.nan
        expected[param] = pd.to_numeric(expected[param]).astype(float)
    data = pd.read_csv(HERE / f"{name}.csv")
    return ref, data, expected


@pytest.mark.parametrize("name", sorted(CASES))
def test_reference_settings_match_the_call(name):
    ref, _, _ = _load(name)
    assert tuple(ref["window"]) == CASES[name]["window"]
    assert ref["lloq"] == [CASES[name]["lloq"]]


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("param", PARAMS)
def test_parameter_equals_pknca(name, param):
    _, data, expected = _load(name)
    kw = CASES[name]
    got = nca(data, **kw).set_index(kw.get("id", "patient_id"))
    assert list(got.index) == sorted(expected.index)
    got = got.loc[expected.index, param].to_numpy(float)
    want = expected[param].to_numpy(float)
    # NaN exactly where PKNCA gives none, and equal to 1e-6 elsewhere
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=0)


def test_every_nan_has_a_reason():
    _, data, _ = _load("cart_kinetics")
    got = nca(data, lloq=100.0, window=(0, 28))
    no_fit = got["lambda_z"].isna()
    assert no_fit.sum() == 9
    few = got["note"].str.contains("fewer than 3 quantifiable samples after Tmax")
    no_good_fit = got["note"].str.contains("no terminal fit with lambda_z > 0")
    assert set(got.loc[few, "patient_id"]) == {
        "P012",
        "P016",
        "P019",
        "P020",
        "P027",
        "P038",
        "P040",
    }
    assert set(got.loc[no_good_fit, "patient_id"]) == {"P024", "P026"}
    assert (got.loc[~no_fit, "note"] == "").all()


def test_window_auc_keeps_blq_after_tlast_like_pknca():
    # P037: Tlast day 13, BLQ at days 20 and 28 (window end sampled). PKNCA's aucint.last
    # integrates Clast linearly down to the day-20 BLQ: AUClast + 7 * 1585.6 / 2.
    _, data, _ = _load("cart_kinetics")
    got = nca(data[data["patient_id"] == "P037"], lloq=100.0).iloc[0]
    assert got["tlast"] == 13
    assert got["auc_window"] == pytest.approx(got["auclast"] + 7 * 1585.6 / 2, rel=1e-12)
