"""Every output is safe (issue 15, point 4): no formula in a written spreadsheet or CSV file,
nothing from the data that can drive a terminal, long cells cut for display with a note."""

import datetime as dt

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import pandas as hpd

import cartkit as ck
from cartkit.cli import main
from cartkit.io.safe_text import neutralise
from cartkit.io.writers import _format_cell, frame_to_csv_text

FORMULAS = ["=1+2", "+1", "-2 days", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://x")']


def run(args, capsys):
    code = main(args)
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    return code, out.out, out.err


def test_text_cells_are_neutralised_and_numbers_stay_numbers():
    df = pd.DataFrame(
        {
            "text": ["=1+2", "+1", "-2", "@SUM(A1)", "'=x", "plain"],
            "number": [-2.0, -0.5, 1e20, np.nan, 3.0, -1e-7],
            "whole": [-3, 0, 1, 2, 3, 4],
        }
    )
    assert frame_to_csv_text(df).splitlines() == [
        "text,number,whole",
        "'=1+2,-2,-3",
        "'+1,-0.5,0",
        "'-2,1e+20,1",
        "'@SUM(A1),,2",
        "''=x,3,3",
        "plain,-1e-07,4",
    ]


def test_column_names_are_neutralised_too():
    assert frame_to_csv_text(pd.DataFrame({"=cmd": [1]})) == "'=cmd\n1\n"


def _reference_csv(df: pd.DataFrame) -> str:
    """The writer cell by cell, as it was before it was vectorised, plus neutralisation."""
    cells = pd.DataFrame(
        {
            i: [neutralise(v) if isinstance(v, str) else _format_cell(v) for v in df.iloc[:, i]]
            for i in range(df.shape[1])
        }
    )
    cells.columns = [neutralise(str(c)) for c in df.columns]
    return cells.to_csv(index=False, lineterminator="\n")


# a carriage return is left out: the old writer left it unquoted (a reader then split the row),
# the new one quotes it; the round trip below checks it
texts = st.text(alphabet=st.sampled_from("ab=+-@'\t\n,\" é1."), max_size=6)
columns = [
    hpd.column("f", dtype=float),
    hpd.column("i", dtype=int),
    hpd.column("b", dtype=bool),
    hpd.column("t", elements=st.one_of(st.none(), texts), dtype=object),
    hpd.column(
        "m",
        elements=st.one_of(st.none(), texts, st.floats(), st.integers(-5, 5), st.booleans()),
        dtype=object,
    ),
    hpd.column(
        "d",
        elements=st.datetimes(dt.datetime(1990, 1, 1), dt.datetime(2100, 1, 1)),
        dtype="datetime64[ns]",
    ),
]


@settings(max_examples=30, deadline=None)
@given(hpd.data_frames(columns, index=hpd.range_indexes(min_size=1, max_size=12)))
def test_vectorised_writer_gives_the_same_bytes_as_cell_by_cell(df):
    assert frame_to_csv_text(df) == _reference_csv(df)


def test_formula_like_text_round_trips_through_csv(tmp_path):
    study = ck.read_study(ck.example_study_path())
    med = study["medications"].copy()
    values = [*FORMULAS, "'=already quoted", "a\rb"]
    med.loc[: len(values) - 1, "detail"] = values
    tables = {**study.tables, "medications": med}
    ck.Study(tables).write(tmp_path / "s", "csv")
    text = (tmp_path / "s" / "medications.csv").read_bytes().decode("utf-8")
    assert ",=1+2\n" not in text and ",'=1+2\n" in text and ",'-2 days\n" in text
    assert ',"a\rb"\n' in text  # quoted, or a reader would split the row there
    back = ck.read_study(tmp_path / "s")
    # text is read stripped of surrounding spaces, tabs and line ends, as any study's
    assert back["medications"]["detail"].tolist() == med["detail"].str.strip().tolist()


def test_formula_like_text_in_xlsx_keeps_its_value_and_gets_the_quote_prefix(tmp_path):
    study = ck.read_study(ck.example_study_path())
    med = study["medications"].copy()
    med.loc[0, "detail"] = "=1+2"
    med.loc[1, "detail"] = "plain"
    path = ck.Study({**study.tables, "medications": med}).write(tmp_path / "s.xlsx", "xlsx")[0]
    ws = openpyxl.load_workbook(path)["medications"]
    col = [c.value for c in ws[1]].index("detail") + 1
    formula, plain = ws.cell(row=2, column=col), ws.cell(row=3, column=col)
    assert (formula.value, formula.data_type, formula.quotePrefix) == ("=1+2", "s", True)
    assert (plain.value, plain.quotePrefix) == ("plain", False)


def test_validate_out_neutralises_messages(tmp_path, example_dir, capsys):
    kin = example_dir / "kinetics.csv"
    kin.write_text(kin.read_text().replace("P01,7,12400,100", "P01,7,-4,100"))
    code, _, _ = run(["validate", str(example_dir), "--out", str(tmp_path / "p.csv")], capsys)
    assert code == 2
    text = (tmp_path / "p.csv").read_text(encoding="utf-8")
    assert ",error,'-4 copies cannot be negative" in text


def test_control_characters_never_reach_the_terminal(tmp_path, capsys):
    f = tmp_path / "k.csv"
    f.write_text("patient_id,day,copies_per_ug\nP\x1b[31m1,0,0\nP\x1b[31m1,7,abc\u202e\n")
    code, out, err = run(["nca", str(f)], capsys)
    assert code == 2
    assert "\x1b" not in out + err and "\u202e" not in out + err
    assert (
        "error: 1 problem(s) make this study unusable in "
        f"{f}:\n  - kinetics, row 3, column copies_per_ug, patient P\ufffd[31m1: "
        "'abc\\u202e' is not a finite number"
    ) in err


def test_long_cells_are_cut_for_display_with_a_note(tmp_path, capsys):
    study = ck.read_study(ck.example_study_path())
    long_id = "P" + "x" * 79
    tables = {
        name: df.assign(patient_id=df["patient_id"].replace("P02", long_id))
        for name, df in study.tables.items()
    }
    ck.Study(tables).write(tmp_path / "s", "csv")
    code, out, _ = run(["grade", "crs", str(tmp_path / "s")], capsys)
    assert code == 0
    assert long_id not in out
    assert "P" + "x" * 58 + "…" in out
    assert (
        "(cells longer than 60 characters are cut here; the files written hold them whole)" in out
    )


@pytest.mark.slow
def test_html_report_escapes_text_from_the_data(tmp_path):
    hostile = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]
    study = ck.simulate_study(12, seed=4)
    events = study["events"].copy()
    dead = events.index[events["event"] == "death"][: len(hostile)]
    events.loc[dead, "detail"] = hostile[: len(dead)]
    ck.Study({**study.tables, "events": events}).write(tmp_path / "s", "csv")
    assert main(["report", str(tmp_path / "s"), "--out", str(tmp_path / "o")]) == 0
    html = (tmp_path / "o" / "report.html").read_text(encoding="utf-8")
    assert not any(value in html for value in hostile)
