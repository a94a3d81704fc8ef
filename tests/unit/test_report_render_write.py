"""write_report: every file of the report, results.json content, reproducibility, input safety.

The Analysis is hand-made (report_render_analysis.py): these tests check the writing, not the
statistics.
"""

from __future__ import annotations

import hashlib
import json
import math

import pandas as pd
import pytest
from report_render_analysis import LONG_NOTE, SCRIPT, make_analysis

from cartkit.io.atomic import OutputError
from cartkit.plan import plan_to_toml
from cartkit.report.types import Analysis, AnalysisResult, drawn
from cartkit.report.write import write_report

FILES = (
    "report.html",
    "report.docx",
    "tables.xlsx",
    "results.json",
    "provenance.json",
    "figures/fig2_cmax_bca.png",
    "figures/cif_relapse.png",
    "derived/adsl.csv",
    "derived/adsl.xpt",
    "derived/xpt_variables.csv",
    "derived/excluded.csv",
    "derived/findings.csv",
)


@pytest.fixture(scope="module")
def analysis():
    return make_analysis()


@pytest.fixture(scope="module")
def written(analysis, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    return out, write_report(analysis, out)


def test_every_file_is_written(written):
    out, _ = written
    for name in FILES:
        assert (out / name).is_file(), name
        assert (out / name).stat().st_size > 0, name
    assert (out / "figures/cif_relapse.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(out.rglob("*.part")) and not list(out.rglob("*.tmp"))


def test_svg_only_when_asked(written, analysis, tmp_path):
    out, content = written
    assert not list(out.rglob("*.svg"))
    assert content["figures"]["cif_relapse"]["files"] == ["figures/cif_relapse.png"]
    content = write_report(analysis, tmp_path, svg=True)
    assert content["figures"]["cif_relapse"]["files"] == [
        "figures/cif_relapse.png",
        "figures/cif_relapse.svg",
    ]
    svg = (tmp_path / "figures/cif_relapse.svg").read_bytes()
    assert svg.lstrip().startswith(b"<?xml") and b"<dc:date>" not in svg
    prov = json.loads((tmp_path / "provenance.json").read_text(encoding="utf-8"))
    assert {"figures/cif_relapse.svg", "figures/fig2_cmax_bca.svg"} <= set(prov["files"])
    # the PNGs are the same with or without the SVGs
    for name in ("figures/cif_relapse.png", "figures/fig2_cmax_bca.png"):
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes()


def test_figures_drawn_in_worker_processes_are_the_same_files(written, analysis, tmp_path):
    out, _ = written
    done = []
    write_report(analysis, tmp_path, workers=2, progress=lambda fid, i, n: done.append((fid, i, n)))
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name
    assert [(i, n) for _, i, n in done] == [(1, 2), (2, 2)]
    assert {fid for fid, _, _ in done} == {"cif_relapse", "fig2_cmax_bca"}


def test_returned_content_is_results_json(written):
    out, content = written
    assert json.loads((out / "results.json").read_text(encoding="utf-8")) == content


def test_results_json_tables_hold_the_numbers_as_numbers(written, analysis):
    _, content = written
    assert set(content["tables"]) == set(analysis.tables)
    cox = content["tables"]["t1a_lfs_cox_multivariable"]
    assert cox["title"] == "Multivariable Cox model of leukaemia-free survival"
    assert cox["source"] == "Table 1A"
    assert cox["analysis_id"] == "t1a_lfs_cox"
    assert cox["columns"] == list(analysis.tables["t1a_lfs_cox_multivariable"].data.columns)
    first = cox["rows"][0]
    assert first["hr"] == 2.5 and isinstance(first["hr"], float)
    assert first["p_value"] == 0.0271
    assert first["n"] == 50 and isinstance(first["n"], int)
    assert first["significant"] is True
    assert cox["rows"][1]["p_value"] == 1.2e-05
    assert cox["rows"][4]["p_value"] is None  # NaN -> null
    assert cox["rows"][2]["term"] == '=HYPERLINK("http://x")'
    data = analysis.tables["t1a_lfs_cox_multivariable"].data
    for row, (_, expected) in zip(cox["rows"], data.iterrows(), strict=True):
        for col in ("hr", "ci_lower", "ci_upper"):
            assert row[col] == expected[col]
    base = content["tables"]["s1_baseline"]["rows"]
    assert base[0]["level"] is None and base[0]["percent"] is None
    assert base[3]["level"] == SCRIPT


def test_results_json_headline_analyses_exclusions_provenance(written, analysis):
    _, content = written
    assert content["headline"]["cr_rate"]["n_events"] == 49
    assert content["headline"]["tmax_median"] == 10.0
    assert content["provenance"] == analysis.provenance
    assert [a["id"] for a in content["analyses"]] == [r.id for r in analysis.results]
    cox = content["analyses"][1]
    assert cox == {
        "id": "t1a_lfs_cox",
        "kind": "cox_screening",
        "title": "Leukaemia-free survival: multivariable Cox model",
        "source": "Table 1A",
        "n": 48,
        "tables": ["t1a_lfs_cox_multivariable"],
        "figures": ["cif_relapse"],
        "notes": [f"2 patients left out: no follow-up ({SCRIPT}).", LONG_NOTE],
        "not_run": None,
        "without": [],
    }
    assert content["not_run"] == []
    ex = content["exclusions"]
    assert ex["excluded"] == {
        "rows": 3,
        "patients": 3,
        "by_reason": {"OS: no follow-up": 2, "bca: no B-cell data": 1},
    }
    assert ex["findings"]["by_check"] == {"hsct_date": 1, "response_date": 1}


def test_provenance_json_hashes_every_other_file(written, analysis):
    out, _ = written
    prov = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    assert prov["seed"] == 0
    assert prov["input_files"] == analysis.provenance["input_files"]
    assert prov["plan"]["toml"] == plan_to_toml(analysis.plan)
    assert prov["plan"]["name"] == analysis.plan.name
    assert set(prov["files"]) == set(FILES) - {"provenance.json"}
    for name, digest in prov["files"].items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest


def test_two_writes_are_byte_identical(analysis, tmp_path):
    write_report(analysis, tmp_path / "a")
    write_report(analysis, tmp_path / "b")
    for name in FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_rewriting_into_the_same_folder_gives_the_same_files(analysis, tmp_path):
    write_report(analysis, tmp_path)
    first = {n: (tmp_path / n).read_bytes() for n in FILES}
    write_report(analysis, tmp_path)
    assert {n: (tmp_path / n).read_bytes() for n in FILES} == first


def test_the_analysis_is_not_changed(tmp_path):
    analysis = make_analysis()
    before = {k: t.data.copy() for k, t in analysis.tables.items()}
    write_report(analysis, tmp_path / "a")
    for k, t in analysis.tables.items():
        pd.testing.assert_frame_equal(t.data, before[k])
    # the figures can still be drawn: a second report is the same
    write_report(analysis, tmp_path / "b")
    png = "figures/fig2_cmax_bca.png"
    assert (tmp_path / "a" / png).read_bytes() == (tmp_path / "b" / png).read_bytes()


def test_never_writes_over_an_input_file(analysis, tmp_path):
    out = tmp_path / "out"
    (out / "derived").mkdir(parents=True)
    victim = out / "derived" / "adsl.csv"
    victim.write_text("patient_id\nP1\n", encoding="utf-8")
    with pytest.raises(OutputError, match="input files"):
        write_report(analysis, out, inputs=[victim])
    assert victim.read_text(encoding="utf-8") == "patient_id\nP1\n"
    # nothing was written before the check failed
    assert sorted(p.name for p in out.rglob("*")) == ["adsl.csv", "derived"]


@pytest.mark.parametrize("name", ["report.html", "report.docx", "results.json", "tables.xlsx"])
def test_an_input_named_like_a_report_file_is_refused(analysis, tmp_path, name):
    victim = tmp_path / name
    victim.write_bytes(b"input")
    with pytest.raises(OutputError):
        write_report(analysis, tmp_path, inputs=[str(victim)])
    assert victim.read_bytes() == b"input"


def test_out_dir_that_is_a_file_is_refused(analysis, tmp_path):
    target = tmp_path / "report"
    target.write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="is a file"):
        write_report(analysis, target)


def _with(analysis, **changes):
    fields = {f: getattr(analysis, f) for f in analysis.__dataclass_fields__}
    fields.update(changes)
    return Analysis(**fields)


def test_a_result_naming_a_missing_table_is_an_error(analysis, tmp_path):
    bad = AnalysisResult(id="x", kind="rates", title="X", tables=("nope",))
    with pytest.raises(ValueError, match="'nope'"):
        write_report(_with(analysis, results=(*analysis.results, bad)), tmp_path)


def test_an_id_that_is_not_a_file_name_is_an_error(analysis, tmp_path):
    derived = dict(analysis.derived)
    derived["../evil"] = derived["adsl"]
    with pytest.raises(ValueError, match="cannot be a file name"):
        write_report(_with(analysis, derived=derived), tmp_path / "out")
    assert not (tmp_path / "evil.csv").exists()


def test_missing_excluded_and_findings_give_zero_counts(analysis, tmp_path):
    derived = {"adsl": analysis.derived["adsl"]}
    content = write_report(_with(analysis, derived=derived, figures={}, results=()), tmp_path)
    assert content["exclusions"]["excluded"] == {"rows": 0, "patients": 0, "by_reason": {}}
    assert content["exclusions"]["findings"]["rows"] == 0


def test_nan_in_headline_is_null(analysis, tmp_path):
    headline = dict(analysis.headline, cmax_median=math.nan)
    content = write_report(_with(analysis, headline=headline), tmp_path)
    assert content["headline"]["cmax_median"] is None
    assert '"cmax_median": null' in (tmp_path / "results.json").read_text(encoding="utf-8")


def test_provenance_of_any_type_is_written_as_json(analysis, tmp_path):
    from pathlib import Path

    prov = dict(analysis.provenance, source=Path("/data/study.xlsx"), window=(0, 28.5))
    headline = dict(analysis.headline, crs_any_rate=None, icans_any_rate=math.nan)
    content = write_report(_with(analysis, provenance=prov, headline=headline), tmp_path)
    assert content["provenance"]["source"] == "/data/study.xlsx"
    assert content["provenance"]["window"] == [0, 28.5]
    assert content["headline"]["crs_any_rate"] is None
    assert content["headline"]["icans_any_rate"] is None
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert '<tr id="headline-crs_any_rate"><td>CRS, any grade</td><td class="value">' in page
    assert page.count("not available") == 2


def test_pyplot_figures_are_closed_after_saving(analysis, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(3, 2))
    fig.add_subplot().plot([0, 1], [1, 0])
    assert fig.number in plt.get_fignums()
    figures = dict(analysis.figures)
    figures["cif_relapse"] = type(figures["cif_relapse"])(
        id="cif_relapse", analysis_id="t1a_lfs_cox", title="CIF", draw=drawn(fig)
    )
    changed = _with(analysis, figures=figures)
    write_report(changed, tmp_path / "a")
    assert fig.number not in plt.get_fignums()
    # closing did not change the figure: it saves to the same bytes again
    write_report(changed, tmp_path / "b")
    png = "figures/cif_relapse.png"
    assert (tmp_path / "a" / png).read_bytes() == (tmp_path / "b" / png).read_bytes()


def _context(analysis):
    from types import SimpleNamespace

    from cartkit.derive.registry import labels_for

    return SimpleNamespace(names=labels_for(analysis.plan.derived))


def test_datasets_written_early_are_taken_not_written_again(analysis, tmp_path, monkeypatch):
    from cartkit.report import write as write_module
    from cartkit.report.write import EarlyDatasets

    write_report(analysis, tmp_path / "plain")
    early = EarlyDatasets(tmp_path / "early")
    early(analysis.derived, _context(analysis))  # as the runner does, before the analyses
    written_later = []
    write_tables = write_module.write_tables
    monkeypatch.setattr(
        write_module,
        "write_tables",
        lambda tables, *a, **k: written_later.extend(tables) or write_tables(tables, *a, **k),
    )
    monkeypatch.setattr(write_module, "write_adam_xpt", lambda *a, **k: pytest.fail("again"))
    write_report(analysis, tmp_path / "early", early=early)
    assert written_later == []
    # the same files, and provenance.json lists them as the plain write does
    for name in FILES:
        plain = (tmp_path / "plain" / name).read_bytes()
        assert (tmp_path / "early" / name).read_bytes() == plain, name


def test_a_dataset_changed_after_the_early_write_is_written_again(analysis, tmp_path):
    from cartkit.report.write import EarlyDatasets

    early = EarlyDatasets(tmp_path)
    early(analysis.derived, _context(analysis))
    adsl = analysis.derived["adsl"].head(1)  # another object: the early file is not its
    later = _with(analysis, derived={**analysis.derived, "adsl": adsl})
    write_report(later, tmp_path, early=early)
    assert len(pd.read_csv(tmp_path / "derived" / "adsl.csv")) == 1
    prov = json.loads((tmp_path / "provenance.json").read_text())
    digest = hashlib.sha256((tmp_path / "derived" / "adsl.xpt").read_bytes()).hexdigest()
    assert prov["files"]["derived/adsl.xpt"] == digest
    write_report(later, tmp_path / "plain")
    assert (tmp_path / "derived/adsl.xpt").read_bytes() == (
        tmp_path / "plain/derived/adsl.xpt"
    ).read_bytes()
