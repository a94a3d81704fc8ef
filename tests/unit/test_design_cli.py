"""``cartkit design``: tables on the console, --out for CSV and PNG, clear errors."""

import matplotlib as mpl

mpl.use("Agg")

import pandas as pd
import pytest

from cartkit.cli import main


def run(args, capsys):
    code = main(args)
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    return code, out.out, out.err


def test_events(capsys):
    code, out, _ = run(["design", "events", "0.75", "--power", "0.8"], capsys)
    assert code == 0 and "379.35 events (plan 380)" in out
    code, out, _ = run(["design", "events", "0.7", "--looks", "2"], capsys)
    assert code == 0 and "331.51 events" in out


def test_boundaries_to_csv(capsys, tmp_path):
    target = tmp_path / "bounds.csv"
    code, out, _ = run(
        ["design", "boundaries", "2", "--spending", "asOF", "--power", "0.9", "--hr", "0.7",
         "--out", str(target)],
        capsys,
    )  # fmt: skip
    assert code == 0 and "2.9626" in out and "inflation factor 1.003418" in out
    table = pd.read_csv(target)
    assert table["critical_z"].round(4).tolist() == [2.9626, 1.9686]
    assert "hr_efficacy" in table.columns


def test_sample_size_and_simon(capsys, tmp_path):
    code, out, _ = run(["design", "sample-size", "0.75", "--out", str(tmp_path / "s.csv")], capsys)
    assert code == 0 and "events 379.35" in out
    assert pd.read_csv(tmp_path / "s.csv")["events"].iloc[-1] == pytest.approx(379.35, abs=0.01)
    code, out, _ = run(["design", "simon", "0.05", "0.25"], capsys)
    assert code == 0 and "optimal   0   9  2 17" in out


def test_power_by_simulation(capsys, tmp_path):
    code, out, _ = run(
        ["design", "power", "0.7", "--events", "60", "--patients", "100", "--trials", "600",
         "--out", str(tmp_path / "trials.csv")],
        capsys,
    )  # fmt: skip
    assert code == 0 and "600 simulated trials" in out and "analytic (Schoenfeld) power" in out
    assert len(pd.read_csv(tmp_path / "trials.csv")) == 600


def test_hsct_power_png(capsys, tmp_path, monkeypatch):
    from cartkit.design import cart

    real = cart.hsct_pools
    monkeypatch.setattr(cart, "hsct_pools", lambda **kw: real(**{**kw, "n_simulated": 2000}))
    code, out, _ = run(
        ["design", "hsct-power", "60", "120", "--trials", "200", "--out", str(tmp_path / "c.png")],
        capsys,
    )  # fmt: skip
    assert code == 0 and "power to show an LFS benefit" in out
    assert (tmp_path / "c.png").stat().st_size > 1000


def test_errors_are_messages(capsys):
    code, _, err = run(["design", "simon", "0.4", "0.2"], capsys)
    assert code == 2 and "must exceed p0" in err
    code, _, err = run(["design", "boundaries", "2", "--out", "x.txt"], capsys)
    assert code == 2 and "--out must end in .csv" in err
