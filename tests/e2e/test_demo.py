"""`cartkit demo` end to end: what a new user runs first."""

import json

import pytest

from cartkit.cli import main

HEADLINE_KEYS = {
    "n_patients",
    "cr_rate",
    "mrd_negative_cr_rate",
    "os_5y",
    "lfs_5y",
    "median_follow_up_months",
    "cmax_median",
    "tmax_median",
    "crs_any_rate",
    "crs_grade3plus_rate",
    "icans_any_rate",
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    outs = []
    for k in (0, 1):
        out = tmp_path_factory.mktemp(f"demo{k}")
        assert main(["demo", "--out", str(out), "--patients", "40", "--seed", "7"]) == 0
        outs.append(out)
    return outs


def test_demo_writes_everything(runs):
    out = runs[0]
    assert (out / "data" / "study.xlsx").is_file()
    assert {p.name for p in (out / "data" / "csv").iterdir()} >= {"patients.csv", "events.csv"}
    assert {p.name for p in (out / "derived").iterdir()} >= {
        "adsl.csv",
        "adtte.csv",
        "nca.csv",
        "crs.csv",
        "icans.csv",
    }
    results = json.loads((out / "results.json").read_text())
    headline = results["headline"]
    assert HEADLINE_KEYS <= set(headline)
    assert headline["n_patients"] == 40
    for key in (
        "cr_rate",
        "mrd_negative_cr_rate",
        "os_5y",
        "lfs_5y",
        "crs_any_rate",
        "crs_grade3plus_rate",
        "icans_any_rate",
    ):
        v = headline[key]
        assert 0 <= v["ci_lower"] <= v["estimate"] <= v["ci_upper"] <= 1, key
    prov = results["provenance"]
    assert prov["command"] == "cartkit demo --patients 40 --seed 7"
    assert prov["seed"] == 7
    assert prov["settings"]["conf_level"] == 0.95
    assert prov["plan"]["name"]
    assert "numpy" in results["provenance"]["versions"]


def test_demo_is_titled_a_virtual_cohort_beside_the_published_values(runs):
    page = (runs[0] / "report.html").read_text(encoding="utf-8")
    title = "A virtual cohort of 40 simulated patients (seed 7), calibrated to a published study"
    assert f"<title>{title}</title>" in page and f"<h1>{title}</h1>" in page
    source = "Published study (Wang et al., Front. Immunol. 2025)"
    assert f'<th scope="col" class="reference">{source}</th>' in page
    assert '<td class="reference">67.8% (57.5–78.0)</td></tr>' in page
    assert '<td class="reference">16.0%, 8 of 50</td></tr>' in page
    results = json.loads((runs[0] / "results.json").read_text())
    assert results["title"] == title
    assert results["reference"]["source"] == source
    assert results["reference"]["values"]["lfs_5y"] == {
        "estimate": 0.678,
        "ci_lower": 0.575,
        "ci_upper": 0.78,
    }
    # the cohort's own headline is untouched by the published values
    assert results["headline"]["n_patients"] == 40
    assert results["headline"]["lfs_5y"]["estimate"] != 0.678


def test_demo_is_byte_reproducible(runs):
    a, b = runs
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    for rel in files:
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel


def test_demo_output_is_a_valid_study(runs, capsys):
    assert main(["validate", str(runs[0] / "data" / "csv")]) == 0
    assert main(["validate", str(runs[0] / "data" / "study.xlsx")]) == 0


def test_simulate_command(tmp_path, capsys):
    assert (
        main(
            [
                "simulate",
                "--patients",
                "12",
                "--seed",
                "1",
                "--out",
                str(tmp_path / "pq"),
                "--format",
                "parquet",
            ]
        )
        == 0
    )
    assert len(list((tmp_path / "pq").glob("*.parquet"))) == 10
    assert main(["simulate", "--patients", "0", "--out", str(tmp_path / "x")]) == 2
    assert "Traceback" not in capsys.readouterr().err
