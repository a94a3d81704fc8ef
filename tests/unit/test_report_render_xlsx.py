"""tables.xlsx: one sheet per report table, numbers as numbers, text from the data inert."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from openpyxl import load_workbook
from report_render_analysis import HOSTILE, SCRIPT, make_analysis

from cartkit.io.atomic import OutputError
from cartkit.report.xlsx import P_FORMAT, PRINT_SUFFIX, sheet_names, write_tables_xlsx


@pytest.fixture(scope="module")
def analysis():
    return make_analysis()


@pytest.fixture(scope="module")
def book(analysis, tmp_path_factory):
    path = tmp_path_factory.mktemp("xlsx") / "tables.xlsx"
    write_tables_xlsx(analysis.tables, path)
    return load_workbook(path)


def _header_row(ws):
    return [c.value for c in ws[3]]


def test_contents_sheet_lists_every_table(book, analysis):
    assert book.sheetnames[0] == "Contents"
    ws = book["Contents"]
    assert ws["A1"].value == "Contents" and ws["A1"].font.b
    assert _header_row(ws) == ["Sheet", "Table id", "Title", "Source", "As printed"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=4)]
    assert [r[1] for r in rows] == list(analysis.tables)
    # each table's numbers, then the same table as printed
    assert [name for r in rows for name in (r[0], r[4])] == book.sheetnames[1:]
    assert rows[1][2:] == [
        "Multivariable Cox model of leukaemia-free survival",
        "Table 1A",
        "t1a_lfs_cox_multivariab (print)",
    ]


def test_long_id_is_cut_to_31_characters(book):
    long_id = "kinetics_cmax_by_mrd_response_geometric_mean_long_id"
    assert book.sheetnames[5] == long_id[:31]
    assert book.sheetnames[6] == long_id[:23] + " (print)"
    assert all(len(name) <= 31 for name in book.sheetnames)


def _values(ws, row):
    return [c.value for c in ws[row]]


def test_print_sheet_is_the_journal_layout(book):
    ws = book["s1_baseline (print)"]
    assert ws["A1"].value == "Baseline characteristics" and ws["A1"].font.b
    assert ws["A2"].value == "Supplementary Table S1" and ws["A2"].font.i
    assert _values(ws, 3) == ["Characteristic", "All patients (n = 50)"]
    assert ws["A3"].font.b and ws["B3"].alignment.horizontal == "center"
    assert _values(ws, 4) == ["Age, years", "9.5 (2–17)"]
    # a heading row in bold, the levels under it indented
    assert _values(ws, 5)[0] == "Sex" and ws["A5"].font.b
    assert _values(ws, 6) == ["Female", "22 (44%)"]
    assert ws["A6"].alignment.indent == 1 and not ws["A6"].font.b
    assert ws["A4"].alignment.indent == 0
    assert _values(ws, 8) == [SCRIPT, "3 (6%)"] and ws["A8"].data_type == "s"
    # rules: heavy above the heads and below the body, thin under the heads
    assert ws["A3"].border.top.style == "medium" and ws["B3"].border.bottom.style == "thin"
    assert ws["B8"].border.bottom.style == "medium" and ws["B7"].border.bottom.style is None
    assert ws["A9"].value is None
    assert ws["A10"].value == "Median (range) or n (%)." and ws["A10"].font.i
    assert ws["A11"].value == "n, number of patients."


def test_print_sheet_cells_are_text_as_printed(book):
    ws = book["t1a_lfs_cox_multivariab (print)"]
    assert _values(ws, 3) == ["Variable", "HR (95% CI)", "p"]
    assert _values(ws, 4) == ["Pre-LD MRD positive", "2.50 (1.10–5.70)", "0.027"]
    assert _values(ws, 5)[2] == "<0.001"
    assert _values(ws, 6)[0] == '=HYPERLINK("http://x")'
    for row in ws.iter_rows(min_row=3, max_row=9):
        for cell in row:
            assert cell.data_type == "s", cell.coordinate


def test_print_sheet_two_level_head_is_centred_across_its_columns(book):
    ws = book["kinetics_cmax_by_mrd_re (print)"]
    assert _values(ws, 3) == [None, "Cmax", None]
    assert ws["B3"].alignment.horizontal == "centerContinuous"
    assert ws["C3"].alignment.horizontal == "centerContinuous"
    assert ws["B3"].border.bottom.style == "thin" and ws["C3"].border.bottom.style == "thin"
    assert _values(ws, 4) == ["Group", "Geometric mean", "n"]
    assert _values(ws, 5) == ["MRD-negative CR", "51,235", "40"]
    assert not ws.merged_cells.ranges


def test_review_sheets_have_no_print_sheet(analysis, tmp_path):
    notes = analysis.tables["s1_baseline"]
    review = {"notes": type(notes)(id="notes", analysis_id="", title="Notes", data=notes.data,
                                   display=notes.data.astype(str))}  # fmt: skip
    path = tmp_path / "r.xlsx"
    write_tables_xlsx(analysis.tables, path, review=review)
    book = load_workbook(path)
    assert book.sheetnames[-2:] == ["kinetics_cmax_by_mrd_re (print)", "notes"]
    contents = [[c.value for c in r] for r in book["Contents"].iter_rows(min_row=4)]
    assert contents[-1][:2] == ["notes", "notes"] and contents[-1][4] is None


def test_title_source_labels_and_frozen_header(book):
    ws = book["t1a_lfs_cox_multivariable"]
    assert ws["A1"].value == "Multivariable Cox model of leukaemia-free survival"
    assert ws["A1"].font.b
    assert ws["A2"].value == "Table 1A"
    assert _header_row(ws) == [
        "term",
        "HR",
        "95% CI lower",
        "95% CI upper",
        "p_value",
        "n",
        "n_events",
        "significant",
    ]
    assert ws.freeze_panes == "A4"
    assert ws.column_dimensions["A"].width >= len("pre_ld_mrd[positive]")


def test_numbers_are_numeric_cells_with_formats(book):
    ws = book["t1a_lfs_cox_multivariable"]
    hr, p, n = ws["B4"], ws["E4"], ws["F4"]
    assert hr.data_type == "n" and hr.value == 2.5 and hr.number_format == "0.000"
    assert p.data_type == "n" and p.value == 0.0271 and p.number_format == P_FORMAT
    assert n.data_type == "n" and n.value == 50 and isinstance(n.value, int)
    assert ws["E5"].value == 1.2e-05
    assert ws["E8"].value is None  # NaN p-value: an empty cell
    assert ws["H4"].data_type == "b" and ws["H4"].value is True
    assert ws["H6"].value is False


def test_large_estimates_keep_the_general_format(book):
    ws = book["kinetics_cmax_by_mrd_response_g"]
    assert ws["B4"].value == 51234.5 and ws["B4"].number_format == "General"


def test_hostile_strings_stay_text(book):
    ws = book["t1a_lfs_cox_multivariable"]
    terms = [ws.cell(row=r, column=1) for r in range(6, 10)]
    assert [c.value for c in terms] == list(HOSTILE[1:5])
    for cell in terms:
        assert cell.data_type == "s", cell.value
    base = book["s1_baseline"]
    assert base["B7"].value == SCRIPT and base["B7"].data_type == "s"
    # no formula anywhere in the workbook
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate)


def test_hostile_strings_in_every_text_position(tmp_path, analysis):
    table = analysis.tables["s1_baseline"]
    hostile = type(table)(
        id="=cmd",
        analysis_id="x",
        title='=HYPERLINK("http://x")',
        source="@SUM(A1)",
        data=table.data.assign(level=["-2", "+1", "=1+2", "\tx"]),
        display=table.display,
        row_styles=table.row_styles,
        footnotes=("=1+1",),
        abbreviations="-abbr",
        column_labels={"n": "=N"},
    )
    path = tmp_path / "t.xlsx"
    write_tables_xlsx([hostile], path)
    ws = load_workbook(path)["=cmd"]
    texts = [ws["A1"], ws["A2"], ws["C3"], ws["B4"], ws["B5"], ws["B6"], ws["B7"]]
    assert [c.value for c in texts] == [
        '=HYPERLINK("http://x")',
        "@SUM(A1)",
        "=N",
        "-2",
        "+1",
        "=1+2",
        "\tx",
    ]
    assert all(c.data_type == "s" for c in texts)
    assert ws["A9"].value == "=1+1" and ws["A9"].data_type == "s"
    assert ws["A10"].value == "-abbr"
    printed = load_workbook(path)["=cmd (print)"]
    assert printed["A1"].value == '=HYPERLINK("http://x")' and printed["A1"].data_type == "s"
    assert printed["A2"].value == "@SUM(A1)" and printed["A2"].data_type == "s"


def test_footnotes_and_abbreviations_below_the_table(book):
    ws = book["s1_baseline"]
    # 4 data rows (4..7), a blank row, then the notes
    assert ws["A8"].value is None
    assert ws["A9"].value == "Median (range) or n (%)."
    assert ws["A10"].value == "n, number of patients."


def test_same_tables_give_the_same_bytes(analysis, tmp_path):
    write_tables_xlsx(analysis.tables, tmp_path / "a.xlsx")
    write_tables_xlsx(list(analysis.tables.values()), tmp_path / "b.xlsx")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


def test_never_over_an_input(analysis, tmp_path):
    path = tmp_path / "study.xlsx"
    path.write_bytes(b"data")
    with pytest.raises(OutputError):
        write_tables_xlsx(analysis.tables, path, inputs=[path])
    assert path.read_bytes() == b"data"


def test_sheet_names_are_legal_and_unique():
    names = sheet_names(["a/b", "A_B", "contents", "x" * 40, "x" * 40, "'q'", "History", ""])
    assert names == [
        "a_b",
        "A_B~2",
        "contents~2",
        "x" * 31,
        "x" * 29 + "~2",
        "q",
        "History~2",
        "table",
    ]


@hsettings(max_examples=60)
@given(st.lists(st.text(min_size=0, max_size=40), max_size=12))
def test_sheet_names_property(ids):
    names = sheet_names(ids)
    printed = sheet_names(ids, suffix=PRINT_SUFFIX, taken=names)
    assert len(names) == len(ids) == len(printed)
    lowered = [n.lower() for n in names + printed]
    assert len(set(lowered)) == len(names) + len(printed)
    assert "contents" not in lowered
    for name in names + printed:
        assert 1 <= len(name) <= 31
        assert not re.search(r"[\\/?*\[\]:]", name)
        assert not name.startswith("'") and not name.endswith("'")
    assert all(name.endswith(" (print)") for name in printed)


def test_print_names_clash_before_the_suffix():
    names = sheet_names(["x" * 40, "x" * 40])
    assert sheet_names(["x" * 40, "x" * 40], suffix=" (print)", taken=names) == [
        "x" * 23 + " (print)",
        "x" * 21 + "~2 (print)",
    ]


def test_apostrophe_never_ends_a_cut_name():
    assert sheet_names(["a" * 30 + "'b"]) == ["a" * 30]
    assert sheet_names(["tab\there"]) == ["tab_here"]


def test_control_characters_do_not_corrupt_the_workbook(analysis, tmp_path):
    table = analysis.tables["s1_baseline"]
    odd = type(table)(
        id="odd",
        analysis_id="x",
        title="bell\x07",
        data=table.data.assign(level=["a\x01b", "tab\there", "", "line\nbreak"]),
        display=table.display,
        row_styles=table.row_styles,
    )
    path = tmp_path / "odd.xlsx"
    write_tables_xlsx([odd], path)
    ws = load_workbook(path)["odd"]
    assert ws["A1"].value == "bell\ufffd"
    assert [ws[f"B{r}"].value for r in range(4, 8)] == [
        "a\ufffdb",
        "tab\there",
        None,
        "line\nbreak",
    ]
