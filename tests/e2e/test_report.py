"""`cartkit report` end to end: every table and figure the issue lists exists, and its numbers
are the library functions' results (called here directly on the written analysis datasets).

The byte-for-byte reproducibility of every output file is checked in test_demo.py.
"""

import json
import math
import warnings

import docx
import numpy as np
import openpyxl
import pandas as pd
import pytest

import cartkit as ck
from cartkit.cli import main
from cartkit.io.safe_text import neutralise
from cartkit.plan.default import default_plan

FIVE_YEARS = 1826.25

#: what the issue asks for, as the ids of the default plan's tables
REQUIRED_TABLES = {
    "s1_baseline": "baseline characteristics (S1)",
    "response_d28": "day-28 CR/CRi and MRD-negative CR with exact CIs",
    "os_km": "OS Kaplan-Meier, 5-year estimate, median follow-up",
    "lfs_km": "LFS Kaplan-Meier",
    "relapse_summary": "relapse counts, CD19+/- and times",
    "cir_nrm": "cumulative incidence of relapse and NRM",
    "cir_by_hsct": "CIR by HSCT with Gray's test",
    "s2_lfs_cox_screening": "univariate Cox for LFS (S2) and the screened model",
    "s2_os_cox_screening": "univariate Cox for OS (S2) and the screened model",
    "table1a_lfs_multivariable": "Table 1A",
    "table1b_os_multivariable": "Table 1B",
    "figure1_os_by_hsct_preld": "Figure 1 OS by HSCT within pre-LD MRD strata",
    "figure1_lfs_by_hsct_preld": "Figure 1 LFS by HSCT within pre-LD MRD strata",
    "figure1_os_by_hsct_postld": "OS by HSCT within post-LD MRD strata",
    "figure1_lfs_by_hsct_postld": "LFS by HSCT within post-LD MRD strata",
    "nrm_by_hsct_preld": "NRM by group",
    "s3_adverse_events": "adverse events in 4 weeks (S3)",
    "table2_crs_grade3_logistic": "Table 2, Models 1 and 2",
    "s4_icans_logistic": "ICANS univariate (S4)",
    "il6_odds_ratios": "IL-6 odds ratios",
    "kinetics_overall": "kinetic parameters overall",
    "table3_kinetics_by_subgroup": "Table 3 with Mann-Whitney p",
    "kinetics_by_mrd_cr_geomean": "geometric mean Cmax by day-28 MRD-negative CR",
    "bca_duration_km": "BCA duration as time to B-cell recovery (Kaplan-Meier)",
    "figure2_bca_correlations_cox": "Figure 2: Cox models of the time to B-cell recovery",
    "figure1_os_by_hsct_preld_simon_makuch": "Figure 1 OS with HSCT time-dependent",
    "sfig_s3_expansion_persistence": "kinetic parameters with each other (S3)",
    "kinetic_model": "population kinetic model: parameter table (issue 17)",
    "kinetic_model_covariates": "population kinetic model: covariate tests (issue 17)",
}

#: one figure of each kind the issue lists: id -> what it must be
REQUIRED_FIGURES = {
    "os_km": "Kaplan-Meier",
    "cir_nrm": "cumulative incidence",
    "kinetics_overall_profiles_by_mrd_negative_cr_d28": "kinetic profiles by response",
    "figure2_bca_correlations": "scatter panels A, B, C",
    "table1a_lfs_multivariable_forest": "forest (Cox)",
    "table2_crs_grade3_logistic_forest_model_1": "forest (logistic)",
    "figure1_os_by_hsct_preld": "Figure 1, panels A and B",
    "figure1_os_by_hsct_preld_simon_makuch": "Figure 1, Simon-Makuch panels A and B",
    "bca_duration_km": "time to B-cell recovery",
    "kinetic_model_vpc": "visual predictive check of the kinetic model",
}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    ck.simulate_study(50, seed=0).write(root / "study", "csv")
    out = root / "out"
    assert main(["report", str(root / "study"), "--out", str(out)]) == 0
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = ck.read_study(root / "study")
    return {"out": out, "results": results, "study": study}


@pytest.fixture(scope="module")
def adsl(run):
    # the analysis dataset as the report wrote it, read back with its types
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        analysis = ck.analyze(run["study"])
    return analysis.derived["adsl"]


def _rows(results, table_id, **where):
    rows = results["tables"][table_id]["rows"]
    return [r for r in rows if all(r.get(k) == v for k, v in where.items())]


def _close(a, b):
    if a is None or b is None or (isinstance(b, float) and math.isnan(b)):
        return (a is None or (isinstance(a, float) and math.isnan(a))) and (
            b is None or (isinstance(b, float) and math.isnan(b))
        )
    return a == pytest.approx(b, rel=1e-12, abs=0)


def test_every_table_and_figure_of_the_issue_exists(run):
    results, out = run["results"], run["out"]
    for tid in REQUIRED_TABLES:
        assert tid in results["tables"], REQUIRED_TABLES[tid]
        assert results["tables"][tid]["rows"], tid
    for fid in REQUIRED_FIGURES:
        assert fid in results["figures"], REQUIRED_FIGURES[fid]
        assert (out / "figures" / f"{fid}.png").stat().st_size > 10_000
        # SVG only with --svg: the page and report.docx embed the PNGs
        assert not (out / "figures" / f"{fid}.svg").exists()
        assert results["figures"][fid]["files"] == [f"figures/{fid}.png"]
    for name in ("report.html", "report.docx", "tables.xlsx", "provenance.json"):
        assert (out / name).stat().st_size > 0
    for name in ("adsl", "adtte", "nca", "crs", "icans", "excluded", "findings"):
        assert (out / "derived" / f"{name}.csv").is_file()


def test_every_default_analysis_ran(run):
    analyses = {a["id"]: a for a in run["results"]["analyses"]}
    assert list(analyses) == [a.id for a in default_plan().analyses]
    for aid, a in analyses.items():
        assert a["tables"], aid
        assert not any(n.startswith("Not run") for n in a["notes"]), (aid, a["notes"])


def test_kinetic_model_tables_hold_the_fit(run):
    tables = run["results"]["tables"]
    rows = tables["kinetic_model"]["rows"]
    assert [r["parameter"] for r in rows] == [
        "cmax", "tmax", "rho", "alpha", "beta", "fb", "sigma",
    ]  # fmt: skip
    for r in rows:
        assert 0 < r["ci_lower"] < r["estimate"] < r["ci_upper"], r["parameter"]
    assert {r["iiv_scale"] for r in rows} == {"log", "logit", ""}
    effects = tables["kinetic_model_covariates"]["rows"]
    assert [(r["parameter"], r["term"]) for r in effects] == [
        ("cmax", "crs_grade3plus"),
        ("cmax", "no_mrd_negative_cr_d28"),
    ]
    for r in effects:
        assert r["fold_ci_lower"] < r["fold_change"] < r["fold_ci_upper"]
        assert 0 < r["p_value"] < 1 and r["dof"] == 1
    page = (run["out"] / "report.html").read_text(encoding="utf-8")
    assert '<h2 id="sec-kinetic_model-h">Cellular kinetic model</h2>' in page
    assert "(Beal&#39;s M3)" in page


def test_headline_has_the_contract_keys(run):
    headline = run["results"]["headline"]
    for key in ("n_patients", "cr_rate", "os_5y", "lfs_5y", "median_follow_up_months"):
        assert key in headline
    assert headline["n_patients"] == 50


def test_km_estimates_equal_kaplan_meier(run):
    adtte = ck.derive_adam(run["study"]).adtte
    for endpoint, tid in (("OS", "os_km"), ("LFS", "lfs_km")):
        data = adtte[adtte["PARAMCD"] == endpoint].assign(event=lambda d: 1 - d["CNSR"])
        est = ck.kaplan_meier(data, time="AVAL", event="event").survival_at([FIVE_YEARS])
        (row,) = _rows(run["results"], tid, measure="survival", time_years=5)
        for col in ("estimate", "ci_lower", "ci_upper"):
            assert _close(row[col], float(est[col].iloc[0])), (tid, col)
        assert row["n_risk"] == int(est["n_risk"].iloc[0])


def test_response_rates_equal_clopper_pearson(run, adsl):
    # over every infused patient (an unknown response counts as none), as the headline
    responders = int(adsl["responder_d28"].fillna(False).sum())
    expected = ck.rate(responders, len(adsl)).iloc[0]
    (row,) = _rows(run["results"], "response_d28", variable="responder_d28")
    assert (row["n_events"], row["n"]) == (responders, 50)
    assert row["estimate"] == run["results"]["headline"]["cr_rate"]["estimate"]
    for col in ("estimate", "ci_lower", "ci_upper"):
        assert _close(row[col], float(expected[col]))


def test_table1a_equals_cox(run, adsl):
    # B-cell recovery is time-dependent: the patients' rows are cut on the day B cells recover
    adtte = ck.derive_adam(run["study"]).adtte
    lfs = adtte[adtte["PARAMCD"] == "LFS"][["patient_id", "AVAL", "CNSR"]]
    data = adsl.merge(lfs, on="patient_id").assign(event=lambda d: 1 - d["CNSR"])
    covariates = list(default_plan().get("table1a_lfs_multivariable").covariates)
    assert covariates[0] == "bca_loss"
    base = data[["patient_id", "AVAL", "event", *covariates[1:]]].assign(day=data["bca_loss_day"])
    rows = ck.counting_process(
        base, id="patient_id", time="AVAL", event="event", tdc={"bca_loss": "day"}
    )
    rows["bca_loss"] = rows["bca_loss"].astype(float)
    rows.loc[
        rows["patient_id"].isin(data.loc[data["bca_loss"].isna(), "patient_id"]), "bca_loss"
    ] = np.nan
    fit = ck.cox(rows, start="tstart", time="tstop", event="event", covariates=covariates).table
    rows = run["results"]["tables"]["table1a_lfs_multivariable"]["rows"]
    assert len(rows) == len(fit)
    for row in rows:
        ref = fit[fit["term"] == row["term"]].iloc[0]
        for col, ref_col in (("estimate", "hr"), ("ci_lower", "ci_lower"), ("p_value", "p_value")):
            assert _close(row[col], float(ref[ref_col])), (row["term"], col)


def test_table2_model_1_equals_logistic(run, adsl):
    model = default_plan().get("table2_crs_grade3_logistic").models[0]
    fit = ck.logistic(adsl, outcome="crs_grade3plus", covariates=list(model.covariates)).table
    fit = fit[fit["term"] != "(Intercept)"]
    rows = _rows(run["results"], "table2_crs_grade3_logistic", model=model.name)
    assert {r["term"] for r in rows} == set(fit["term"])
    for row in rows:
        ref = fit[fit["term"] == row["term"]].iloc[0]
        for col, ref_col in (("estimate", "odds_ratio"), ("p_value", "p_value")):
            assert _close(row[col], float(ref[ref_col])), (row["term"], col)


def test_table3_p_values_equal_mann_whitney(run, adsl):
    rows = _rows(run["results"], "table3_kinetics_by_subgroup", subgroup="prior_hsct")
    for parameter in ("cmax", "auc_window", "tlast"):
        data = adsl.dropna(subset=["prior_hsct", parameter])
        test = ck.compare(data, variable=parameter, group="prior_hsct", test="mannwhitney")
        ps = {r["p_value"] for r in rows if r["parameter"] == parameter}
        assert len(ps) == 1 and _close(ps.pop(), test.p_value), parameter


def test_figure2_is_cox_models_of_the_time_to_b_cell_recovery(run, adsl):
    rows = run["results"]["tables"]["figure2_bca_correlations_cox"]["rows"]
    assert [r["x"] for r in rows] == ["cmax", "auc_window", "tlast"]
    for row in rows:
        data = adsl[["bca_duration_days", "bca_loss", row["x"]]].dropna().astype(float)
        if row["log10"]:
            data[row["x"]] = np.log10(data[row["x"]])
        fit = ck.cox(data, time="bca_duration_days", event="bca_loss", covariates=[row["x"]])
        assert _close(row["estimate"], float(fit.table["hr"].iloc[0]))
        assert _close(row["p_value"], float(fit.table["p_value"].iloc[0]))
        assert (row["n"], row["n_events"]) == (fit.n, fit.n_events)


def test_workbook_has_every_table_with_numbers_as_numbers(run):
    wb = openpyxl.load_workbook(run["out"] / "tables.xlsx")
    contents = [r[1] for r in wb["Contents"].iter_rows(min_row=4, values_only=True)]
    assert set(REQUIRED_TABLES) <= set(contents)
    assert wb.sheetnames[-3:] == ["notes", "excluded", "findings"]
    ws = wb["os_km"]
    header = [c.value for c in ws[3]]
    first = [c for c in ws[4]]
    estimate = first[header.index("Estimate")]
    assert estimate.data_type == "n"
    (row,) = _rows(run["results"], "os_km", measure="survival", time_years=1)
    assert estimate.value == row["estimate"]


def test_the_adam_transport_files_hold_the_csv_values(run):
    import pyreadstat

    derived = run["out"] / "derived"
    variables = pd.read_csv(derived / "xpt_variables.csv", dtype=str, keep_default_na=False)
    assert set(variables["dataset"]) == {"adsl", "adtte"}
    for name in ("adsl", "adtte"):
        csv = pd.read_csv(derived / f"{name}.csv", dtype=str, keep_default_na=False)
        back, meta = pyreadstat.read_xport(str(derived / f"{name}.xpt"))
        rows = variables[variables["dataset"] == name]
        assert rows["variable"].tolist() == list(csv.columns)
        assert list(back.columns) == rows["name"].tolist()
        assert all(0 < len(label) <= 40 for label in meta.column_labels)
        for column, xname, kind in rows[["variable", "name", "type"]].itertuples(index=False):
            if kind == "char":
                assert back[xname].tolist() == csv[column].tolist(), column
                continue
            text = csv[column].replace({"true": "1", "false": "0", "": "nan"})
            np.testing.assert_array_equal(back[xname], text.astype(float), err_msg=column)
    adsl = dict(zip(variables["variable"], variables["name"], strict=False))
    assert adsl["bca_duration_days"] == "BCADURD"


def test_cli_report_errors_are_messages(tmp_path, capsys):
    ck.simulate_study(12, seed=1).write(tmp_path / "s", "csv")
    bad_plan = tmp_path / "plan.toml"
    bad_plan.write_text('name = "x"\n[[analyses]]\nid = "a"\nkind = "survival"\n', "utf-8")
    assert (
        main(["report", str(tmp_path / "s"), "--out", str(tmp_path / "o"), "--plan", str(bad_plan)])
        == 2
    )
    err = capsys.readouterr().err
    assert "analyses[0].title" in err and "Traceback" not in err
    pats = pd.read_csv(tmp_path / "s" / "patients.csv")
    pats.loc[0, "sex"] = "Q"
    pats.to_csv(tmp_path / "s" / "patients.csv", index=False)
    assert main(["report", str(tmp_path / "s"), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "sex" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_hostile_patient_ids_are_escaped_and_inert(tmp_path):
    study = ck.simulate_study(20, seed=2)
    hostile = ["<script>alert(1)</script>", '=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)"]
    ids = study.tables["patients"]["patient_id"].tolist()
    mapping = {old: (hostile[i] if i < len(hostile) else old) for i, old in enumerate(ids)}
    tables = {}
    for name, df in study.tables.items():
        df = df.copy()
        if "patient_id" in df:
            df["patient_id"] = df["patient_id"].map(mapping)
        tables[name] = df
    # a response assessment missing for the first patient puts them in the exclusions
    marrow = tables["marrow"]
    tables["marrow"] = marrow[marrow["patient_id"] != hostile[0]]
    ck.Study(tables, source="hostile").write(tmp_path / "s", "csv")
    assert main(["report", str(tmp_path / "s"), "--out", str(tmp_path / "o")]) == 0
    html = (tmp_path / "o" / "report.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    wb = openpyxl.load_workbook(tmp_path / "o" / "tables.xlsx")
    seen = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value in hostile:
                    assert cell.data_type == "s", cell.value
                    seen.add(cell.value)
                assert cell.data_type != "f"
    assert hostile[0] in seen
    # in Word, the ids are literal text of the exclusion list, never a field
    doc = docx.Document(str(tmp_path / "o" / "report.docx"))
    cells = {c.text for t in doc.tables for row in t.rows for c in row.cells}
    assert hostile[0] in cells
    assert "fldSimple" not in doc.element.xml and "instrText" not in doc.element.xml
    adsl = pd.read_csv(tmp_path / "o" / "derived" / "adsl.csv", dtype=str, keep_default_na=False)
    # a text cell a spreadsheet would take for a formula is written with a leading "'"
    assert {neutralise(h) for h in hostile} <= set(adsl["patient_id"])
    assert {'\'=HYPERLINK("http://x","y")', "'+1", "'-2", "'@SUM(A1)"} <= set(adsl["patient_id"])
    assert np.all(adsl["patient_id"].str.len() > 0)


@pytest.mark.browser
def test_the_demo_report_in_a_browser_on_a_desktop(run, browser):
    import re

    from tests.browser import DESKTOP, body_data, open_page

    with open_page(browser, (run["out"] / "report.html").as_uri(), DESKTOP) as page:
        # every figure of the report is an image that decoded
        assert body_data(page) == {
            "images": str(len(run["results"]["figures"])),
            "imagesOk": "true",
            "fitsWidth": "true",
        }
        for a in run["results"]["analyses"]:
            assert page.locator(f"#sec-{a['id']} h2").count() == 1
        assert page.problems == []
    html = (run["out"] / "report.html").read_text(encoding="utf-8")
    # self-contained: nothing is fetched from anywhere
    assert not re.search(r"""(src|href)=["']https?:""", html)


@pytest.mark.browser
def test_the_demo_report_on_a_390_px_phone_never_scrolls_sideways(run, browser):
    from tests.browser import (
        PHONE,
        image_fit,
        labels_after_scrolling,
        open_page,
        scrolling_boxes,
        sideways,
    )

    with open_page(browser, (run["out"] / "report.html").as_uri(), PHONE, phone=True) as page:
        assert sideways(page) == {"scrollWidth": 390, "innerWidth": 390, "scrollX": 0}
        # the widest tables scroll inside their own box
        assert {"tbl-table3_kinetics_by_subgroup", "tbl-s2_lfs_cox_screening"} <= set(
            scrolling_boxes(page)
        )
        # scrolled to its last column, Table 2 still shows its row and heading labels
        labels = labels_after_scrolling(page, "tbl-table2_crs_grade3_logistic")
        assert labels["scrolled"] > 100
        assert labels["rows"] == [labels["box"]]
        assert labels["headings"] == [labels["box"]]
        images = image_fit(page)
        assert len(images) == len(run["results"]["figures"])
        for image in images:
            assert image["width"] <= image["box"] <= 390 - 2 * 16, image
            assert image["distortion"] < 0.01, image
        assert page.problems == []


@pytest.mark.browser
def test_the_printed_demo_report_breaks_between_sections_not_through_tables(run, browser):
    from tests.browser import A4_CONTENT, DESKTOP, PrintedPages, open_page, print_layout, squeeze

    with open_page(browser, (run["out"] / "report.html").as_uri(), DESKTOP) as page:
        layout = print_layout(page)
        pages = PrintedPages(page.pdf(format="A4"))
    analyses = [a["title"] for a in run["results"]["analyses"]]
    assert layout["sections"] == [*analyses, "Exclusions and data-quality findings", "Provenance"]
    # every section starts a page
    position = 0
    for title in layout["sections"]:
        at, _, position = pages.find(title, position)
        assert pages.texts[at].startswith(squeeze(title)), title
    # no table is wider than the paper
    assert layout["widest"] <= A4_CONTENT["width"]
    # a table or figure is on one page; one taller than a page repeats its column heads
    position, figure_pages, split = 0, [], []
    for block in layout["blocks"]:
        first, last, position = pages.block_pages(block["first"], block["last"], position)
        if first != last:
            split.append(block["id"])
            assert block["height"] > A4_CONTENT["height"], block["id"]
            for k in range(first, last + 1):
                for head in block["header"]:
                    assert squeeze(head) in pages.texts[k], (block["id"], k, head)
        if block["kind"] == "figure":
            figure_pages.append(first)
    assert split == ["tbl-table3_kinetics_by_subgroup"]
    assert [i for i, n in enumerate(pages.images) for _ in range(n)] == figure_pages


def test_plan_command_writes_the_default_plan_and_checks_one(tmp_path, capsys):
    from cartkit.plan.plan import load_plan

    assert main(["plan", "--out", str(tmp_path / "plan.toml")]) == 0
    assert load_plan(tmp_path / "plan.toml") == default_plan()
    assert main(["plan", "--check", str(tmp_path / "plan.toml")]) == 0
    assert "a valid plan with 42 analyses" in capsys.readouterr().out
    text = (
        (tmp_path / "plan.toml")
        .read_text(encoding="utf-8")
        .replace("conf_level = 0.95", "conf_level = 95")
    )
    (tmp_path / "bad.toml").write_text(text, encoding="utf-8")
    assert main(["plan", "--check", str(tmp_path / "bad.toml")]) == 2
    assert "settings.conf_level: must be in (0, 1), got 95" in capsys.readouterr().err


def test_a_misspelled_plan_variable_is_refused_with_its_line_and_nothing_is_written(
    tmp_path, capsys
):
    import cartkit as ck
    from cartkit.plan.default import default_plan_toml

    text = default_plan_toml().replace(
        'covariates = ["bca_loss", "female"', 'covariates = ["bca_los", "female"'
    )
    (tmp_path / "plan.toml").write_text(text, encoding="utf-8")
    line = 1 + next(i for i, x in enumerate(text.splitlines()) if '"bca_los"' in x)
    study = str(ck.example_study_path())
    out = tmp_path / "report"
    assert main(["report", study, "--out", str(out), "--plan", str(tmp_path / "plan.toml")]) == 2
    err = capsys.readouterr().err
    assert (
        f"line {line}: analyses[11].covariates[0]: 'bca_los' is not a variable of the "
        "analysis dataset (did you mean 'bca_loss'?)"
    ) in err
    assert "Traceback" not in err
    assert not out.exists()
    assert main(["plan", "--check", str(tmp_path / "plan.toml")]) == 2
    assert "did you mean 'bca_loss'?" in capsys.readouterr().err


def test_a_plan_may_name_a_column_the_study_adds_to_its_patients(tmp_path, capsys):
    import shutil

    import pandas as pd

    import cartkit as ck

    study = tmp_path / "study"
    shutil.copytree(ck.example_study_path(), study)
    patients = pd.read_csv(study / "patients.csv")
    patients["ldh_u_per_l"] = [250.0 + 40 * i for i in range(len(patients))]
    patients.to_csv(study / "patients.csv", index=False)
    plan = (
        'name = "LDH"\n[[analyses]]\nid = "ldh"\nkind = "baseline"\ntitle = "LDH"\n'
        'variables = ["ldh_u_per_l", "age_years"]\n'
    )
    (tmp_path / "plan.toml").write_text(plan, encoding="utf-8")
    assert main(["plan", "--check", str(tmp_path / "plan.toml")]) == 2
    assert "'ldh_u_per_l' is not a variable" in capsys.readouterr().err
    args = ["plan", "--check", str(tmp_path / "plan.toml"), "--study", str(study)]
    assert main(args) == 0
    with pytest.warns(ck.DataQualityWarning):  # the extra column, carried through
        read = ck.read_study(study)
    analysis = ck.analyze(read, tmp_path / "plan.toml")
    data = analysis.tables["ldh"].data
    ldh = data[data["variable"] == "ldh_u_per_l"].iloc[0]
    assert ldh["n"] == len(patients)
    assert ldh["mean"] == pytest.approx(patients["ldh_u_per_l"].mean(), rel=1e-12)
