"""A report on a cohort that is not the paper's says nothing the paper found.

`cartkit report` on cohorts of another size and seed (one cut at 4 years) writes none of the
published study's results in report.html, results.json, tables.xlsx or on the console: its
title names the study, its sources name places in the paper, and no reference column appears.
`cartkit demo` shows the published values, but only in the headline's column labelled with
their source (and results.json's ``reference``).
"""

from __future__ import annotations

import contextlib
import io
import json
import re

import numpy as np
import openpyxl
import pytest

import cartkit as ck
from cartkit.cli import main
from cartkit.study import Study

#: the published study's results as its text prints them (DESIGN.md; the paper's Results), and
#: its title: none may appear in a report on another cohort. Three-decimal statistics are
#: matched with their words, as a borrowed sentence would carry them.
PAPER = (
    "CD19 CAR-T in pediatric B-ALL with MRD positivity",
    "Published study",
    "Wang et al",
    "74.9%",
    "64.8–85.1",
    "67.8%",
    "57.5–78.0",
    "68.7",
    "5.9-97.5",
    "(98%)",
    "(96%)",
    "(78%)",
    "30,860",
    "1,890,000",
    "Tmax 10.5",
    "319,016",
    "vs 863",
    "(p = 0.030)",
    "p = 0.017",
    "15.4%",
    "33.3 pg/mL",
    "OR 5.250",
    "9.000",
    "r = 0.349",
    "r = 0.313",
    "59 days",
)

FOUR_YEARS = 1461.0


def _cut(study: Study, day: float) -> Study:
    """The study as it stood ``day`` days after each infusion: later records dropped."""
    tables = {}
    for name, table in study.tables.items():
        if name == "events":
            kept = table[(table["day"] <= day) | (table["event"] == "last_contact")].copy()
            kept["day"] = np.minimum(kept["day"], day)
            tables[name] = kept.reset_index(drop=True)
        elif name == "adverse_events":
            kept = table[table["onset_day"] <= day].copy()
            kept["end_day"] = np.minimum(kept["end_day"], day)
            tables[name] = kept.reset_index(drop=True)
        elif "day" in table.columns:
            tables[name] = table[table["day"] <= day].reset_index(drop=True)
        else:
            tables[name] = table
    return Study(tables=tables, source=study.source, metadata=dict(study.metadata))


def _run(args: list[str]) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(args) == 0
    return out.getvalue()


def _strings(value):
    """Every text in a JSON document, keys included."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, str):
        yield value


def _texts(out, console: str) -> dict[str, str]:
    """What a reader sees, file by file (numbers of the data stay numbers: only text counts)."""
    book = openpyxl.load_workbook(out / "tables.xlsx", read_only=True)
    cells = [
        c
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for c in row
        if isinstance(c, str)
    ]
    book.close()
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    return {
        "report.html": (out / "report.html").read_text(encoding="utf-8"),
        "results.json": "\n".join(_strings(results)),
        "provenance.json": (out / "provenance.json").read_text(encoding="utf-8"),
        "tables.xlsx": "\n".join(cells),
        "console": console,
    }


COHORTS = [
    # (name, patients, seed, cut at day, format)
    pytest.param(("centre_a.xlsx", 37, 11, FOUR_YEARS, "xlsx"), id="37_seed11_cut_4y"),
    pytest.param(("centre_b", 62, 29, None, "csv"), id="62_seed29", marks=pytest.mark.slow),
]


@pytest.fixture(scope="module", params=COHORTS)
def report(request, tmp_path_factory):
    name, patients, seed, cut, fmt = request.param
    root = tmp_path_factory.mktemp("not_the_paper")
    study = ck.simulate_study(patients, seed=seed)
    if cut is not None:
        study = _cut(study, cut)
    study.write(root / name, fmt)
    console = _run(["report", str(root / name), "--out", str(root / "out")])
    return {
        "name": name,
        "patients": patients,
        "cut": cut,
        "study": root / name,
        "out": root / "out",
        "texts": _texts(root / "out", console),
    }


def test_no_result_of_the_paper_anywhere(report):
    found = {
        (where, printed)
        for where, text in report["texts"].items()
        for printed in PAPER
        if printed in text
    }
    assert found == set()


def test_the_title_names_the_study_and_no_reference_is_shown(report):
    title = f"Analysis of {report['name']}: {report['patients']} patients"
    texts = report["texts"]
    assert f"<title>{title}</title>" in texts["report.html"]
    assert f"<h1>{title}</h1>" in texts["report.html"]
    assert texts["console"].split("\n")[0] == title
    results = json.loads((report["out"] / "results.json").read_text(encoding="utf-8"))
    assert results["title"] == title and results["reference"] is None
    assert 'class="reference"' not in texts["report.html"]
    assert "this study" not in texts["console"]


def test_the_cut_cohort_is_followed_at_most_four_years(report):
    if report["cut"] is None:
        pytest.skip("this cohort is not cut")
    events = ck.read_study(report["study"]).tables["events"]
    assert events["day"].max() == FOUR_YEARS


@pytest.mark.slow
def test_the_demo_shows_the_published_values_only_in_the_labelled_column(tmp_path):
    console = _run(["demo", "--out", str(tmp_path), "--patients", "44", "--seed", "3"])
    texts = _texts(tmp_path, console)
    page = texts["report.html"]
    source = "Published study (Wang et al., Front. Immunol. 2025)"
    assert f'<th scope="col" class="reference">{source}</th>' in page
    assert '<td class="reference">74.9% (64.8–85.1)</td>' in page
    assert '<td class="reference">30,860</td>' in page
    title = "A virtual cohort of 44 simulated patients (seed 3), calibrated to a published study"
    assert f"<h1>{title}</h1>" in page
    lines = console.split("\n")
    assert lines[1] == title and re.fullmatch(rf" {{35}}this study +{re.escape(source)}", lines[2])
    assert re.search(r"5-year overall survival .* {3}74\.9% \(64\.8–85\.1\)\n", console)
    # outside that column (and the plan's own TOML in the provenance) no published value
    shown = re.sub(
        r'<td class="reference">[^<]*</td>', "", page.split('<details id="plan-toml"')[0]
    )
    leaks = [p for p in PAPER if p in shown and p not in ("Published study", "Wang et al")]
    assert leaks == []
    assert page.count(source) == 3  # the column's head, the note under it, the plan's TOML
    assert [p for p in PAPER if p in texts["tables.xlsx"]] == []
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert results["reference"]["values"]["os_5y"]["estimate"] == 0.749
    assert "reference" not in results["headline"]
