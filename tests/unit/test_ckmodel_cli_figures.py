"""``cartkit ck-model`` and the model's diagnostic figures."""

from __future__ import annotations

import matplotlib as mpl

mpl.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import cartkit as ck
from cartkit.cli import main
from cartkit.kinetics.popmodel import fit as fit_module
from cartkit.kinetics.popmodel.saem import Settings
from cartkit.report.figures import (
    ckmodel_cwres_figure,
    ckmodel_gof_figure,
    ckmodel_individual_figure,
    ckmodel_vpc_figure,
    save_figure,
)

QUICK = Settings(n_explore=40, n_smooth=20, n_cond=20, n_is=200, n_rounds=1)


@pytest.fixture
def quick_settings(monkeypatch):
    # the command line runs the default estimation; these tests check its plumbing
    monkeypatch.setattr(fit_module, "Settings", lambda: QUICK)


def run(args, capsys):
    code = main(args)
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    return code, out.out, out.err


@pytest.mark.filterwarnings("ignore::cartkit.errors.ConvergenceWarning")
def test_ck_model_writes_tables_and_figures_with_covariates(capsys, tmp_path, quick_settings):
    src = ck.example_study_path()
    code, out, err = run(
        [
            "ck-model",
            str(src / "kinetics.csv"),
            "--out",
            str(tmp_path / "m"),
            "--random",
            "cmax,alpha",
            "--covariates",
            str(src / "patients.csv"),
            "--effect",
            "cmax=prior_hsct",
            "--seed",
            "3",
        ],
        capsys,
    )
    assert code == 0, err
    assert "cmax" in out and "beta" in out and "sigma" in out and "log-likelihood" in out
    assert "prior_hsct" in out and "below the LLOQ" in out
    m = tmp_path / "m"
    for name in (
        "population",
        "omega",
        "residual",
        "covariate_tests",
        "individual",
        "observations",
        "vpc",
        "trace",
        "fit",
    ):
        assert (m / f"{name}.csv").is_file()
    for name in ("gof", "cwres", "vpc", "individual_fits"):
        assert (m / "figures" / f"{name}.png").is_file()
    got = pd.read_csv(m / "population.csv")
    kin = ck.read_study(src)["kinetics"]
    pts = ck.read_study(src)["patients"][["patient_id", "prior_hsct"]]
    want = ck.fit_kinetic_model(
        kin.merge(pts, on="patient_id"),
        random=["cmax", "alpha"],
        covariates={"cmax": ["prior_hsct"]},
        seed=3,
    )
    np.testing.assert_allclose(got["estimate"], want.population["estimate"], rtol=1e-12)
    tests = pd.read_csv(m / "covariate_tests.csv")
    assert tests.loc[0, "term"] == "prior_hsct"


def test_ck_model_usage_errors_exit_2(capsys, tmp_path, quick_settings):
    src = ck.example_study_path() / "kinetics.csv"
    code, _, err = run(["ck-model", str(src), "--out", str(tmp_path), "--effect", "cmax"], capsys)
    assert code == 2 and "PARAMETER=COLUMN" in err
    code, _, err = run(["ck-model", str(src), "--out", str(tmp_path), "--model", "nope"], capsys)
    assert code == 2 and "unknown model" in err


@pytest.mark.filterwarnings("ignore::cartkit.errors.ConvergenceWarning")
def test_ck_model_never_writes_over_its_input(capsys, tmp_path, quick_settings):
    kin = tmp_path / "population.csv"
    kin.write_bytes((ck.example_study_path() / "kinetics.csv").read_bytes())
    before = kin.read_bytes()
    code, _, err = run(
        ["ck-model", str(kin), "--out", str(tmp_path), "--random", "cmax,alpha"], capsys
    )
    assert code == 2 and "input" in err
    assert kin.read_bytes() == before


@pytest.fixture(scope="module")
def fitted():
    df = ck.simulate_kinetic_model(
        24,
        [4, 7, 10, 14, 28, 90, 180, 365],
        {"cmax": 3e4, "tmax": 9.0, "rho": 0.8, "alpha": 0.15, "beta": 0.004, "fb": 0.01},
        {"cmax": 1.0, "alpha": 0.4},
        0.4,
        lloq=100.0,
        seed=2,
    )
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ck.ConvergenceWarning)
        return fit_module.fit_with_settings(
            df,
            "stein2019",
            "patient_id",
            "day",
            "copies_per_ug",
            None,
            ["cmax", "alpha"],
            "log_additive",
            None,
            None,
            0,
            conf_level=0.95,
            settings=QUICK,
        )


def gid_artists(fig, gid):
    return [a for ax in fig.axes for a in ax.get_children() if a.get_gid() == gid]


def test_gof_draws_every_quantified_value_against_both_predictions(fitted):
    fig = ckmodel_gof_figure(fitted.observations)
    q = fitted.observations[~fitted.observations["blq"]]
    for gid, col in (("pred", "pred"), ("ipred", "ipred")):
        (points,) = gid_artists(fig, gid)
        xy = points.get_offsets()
        np.testing.assert_allclose(xy[:, 0], q[col])
        np.testing.assert_allclose(xy[:, 1], q["observed"])
    assert plt.get_fignums() == []


def test_cwres_and_vpc_draw_their_tables(fitted):
    fig = ckmodel_cwres_figure(fitted.observations)
    (points,) = gid_artists(fig, "cwres")
    assert len(points.get_offsets()) == fitted.observations["cwres"].notna().sum()
    fig = ckmodel_vpc_figure(fitted.vpc)
    lines = gid_artists(fig, "observed")
    median = fitted.vpc[fitted.vpc["statistic"] == "p50"].sort_values("time")
    np.testing.assert_allclose(lines[1].get_ydata(), median["observed"])
    blq = fitted.vpc[fitted.vpc["statistic"] == "blq_fraction"].sort_values("time")
    np.testing.assert_allclose(lines[-1].get_ydata(), blq["observed"])


def test_individual_fits_sample_patients_and_mark_blq(fitted, tmp_path):
    curves = fitted.curves()
    fig = ckmodel_individual_figure(fitted.observations, curves, max_patients=9, seed=1)
    panels = [ax for ax in fig.axes if ax.get_title(loc="left")]
    assert len(panels) == 9
    shown = [ax.get_title(loc="left") for ax in panels]
    assert shown == sorted(shown)
    n_blq = sum(len(a.get_offsets()) for a in gid_artists(fig, "blq"))
    obs = fitted.observations
    assert n_blq == int(obs[obs["patient_id"].isin(shown)]["blq"].sum())
    png, _svg = save_figure(fig, tmp_path / "a")
    assert png.stat().st_size > 0
