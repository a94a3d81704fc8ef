"""Cells longer than Excel's limit are found; a csv whose lines are all short is not measured."""

from cartkit.io.limits import MAX_CELL_CHARS
from cartkit.io.readers import _long_cells, _read_table_file


def _read(tmp_path, text: str):
    path = tmp_path / "medications.csv"
    path.write_text(text, encoding="utf-8")
    return _read_table_file(path, "medications", 10**8).table


def test_an_unquoted_long_cell_is_found(tmp_path):
    table = _read(tmp_path, "patient_id,detail\nP1,ok\nP2," + "x" * 40_000 + "\n")
    assert table.cell_bound == 40_003
    (problem,) = _long_cells(table)
    assert problem["row"] == 3 and problem["column"] == "detail"
    assert problem["message"].startswith("cell has 40,000 characters")


def test_a_quoted_cell_over_many_short_lines_is_found(tmp_path):
    # every line is short, but the quoted cell spans them: the lines bound nothing
    cell = "\n".join(["y" * 100] * 400)
    table = _read(tmp_path, f'patient_id,detail\nP1,"{cell}"\n' + "P2,z\n" * 400)
    assert table.cell_bound is None
    (problem,) = _long_cells(table)
    assert problem["row"] == 2 and "40,399 characters" in problem["message"]


def test_short_lines_bound_every_cell(tmp_path):
    table = _read(tmp_path, "patient_id,detail\n" + "P1,abc\n" * 20_000)
    assert table.cell_bound == len("patient_id,detail") <= MAX_CELL_CHARS
    assert _long_cells(table) == []
