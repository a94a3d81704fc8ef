"""Fuzzing whole study folders (issue 15, point 7): a valid study corrupted at random (cells,
encodings, truncation, shuffled or renamed columns, separators, missing files) always gets an
answer: no traceback, exit 0 or 2, and every rejection names its table (or the study's path).

The default run tries a few dozen studies of four tables; ``pytest -m slow`` tries hundreds of
the whole example study.
"""

import codecs
import contextlib
import io
import re
import shutil
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cartkit as ck
from cartkit.cli import main
from cartkit.schema.spec import TABLES

EXAMPLE = ck.example_study_path()
SMALL = ("patients", "events", "kinetics", "crs")
ALL = tuple(p.stem for p in sorted(EXAMPLE.glob("*.csv")))

hostile_cells = st.one_of(
    st.sampled_from(
        [
            "",
            "NA",
            "1e308",
            "-1e308",
            "1000000000000000",
            "-0",
            "inf",
            "nan",
            "1,5",
            "1.234,5",
            "01/02/2020",
            "1492-10-12",
            "9999-12-31",
            "43831",
            "=1+1",
            "@SUM(A1)",
            "-2",
            "'=x",
            "\x1b[31mred",
            "a\u202eb",
            "P01",
            "p01 ",
            "relapse",
            "death",
            "last_contact",
            "<script>",
            '"',
            '""',
            ",",
            ";",
            "x" * 300,
            "BLQ",
            "<100",
            "yes",
            "TRUE",
        ]
    ),
    st.text(max_size=8),
    st.integers(-(10**18), 10**18).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)


def _rows(text):
    import csv

    return list(csv.reader(io.StringIO(text)))


def _csv(rows, sep=","):
    import csv

    buf = io.StringIO()
    csv.writer(buf, delimiter=sep, lineterminator="\n").writerows(rows)
    return buf.getvalue()


@st.composite
def corrupted_file(draw, text):
    """The bytes of one table file, corrupted in a few random ways."""
    rows = _rows(text)
    for _ in range(draw(st.integers(0, 4))):
        r = draw(st.integers(0, len(rows) - 1))
        if rows[r]:
            c = draw(st.integers(0, len(rows[r]) - 1))
            rows[r][c] = draw(hostile_cells)
    if draw(st.booleans()) and rows and len(rows[0]) > 1:  # shuffled columns
        order = draw(st.permutations(range(len(rows[0]))))
        rows = [[row[i] for i in order if i < len(row)] for row in rows]
    if draw(st.integers(0, 4)) == 0 and rows and rows[0]:  # a renamed or repeated column
        rows[0][draw(st.integers(0, len(rows[0]) - 1))] = draw(
            st.sampled_from(["Patient ID", "patient_id", "day", "", "DAY ", "=x", "pat\x00id"])
        )
    if draw(st.integers(0, 5)) == 0:  # a row with too many or too few cells
        r = draw(st.integers(0, len(rows) - 1))
        rows[r] = rows[r] + ["extra"] if draw(st.booleans()) else rows[r][:1]
    text = _csv(rows, draw(st.sampled_from([",", ",", ",", ";", "\t"])))
    data = text.encode(
        draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "utf-16", "cp1252", "utf-32"])),
        errors="replace",
    )
    if draw(st.integers(0, 5)) == 0:  # truncated
        data = data[: draw(st.integers(0, len(data)))]
    if draw(st.integers(0, 12)) == 0:
        data = draw(st.binary(max_size=64))
    return data


@st.composite
def corrupted_study(draw, tables):
    files = {}
    for name in tables:
        text = (EXAMPLE / f"{name}.csv").read_text(encoding="utf-8")
        if draw(st.integers(0, 10)) == 0:
            continue  # a missing file
        file_name = f"{name}.csv"
        if draw(st.integers(0, 10)) == 0:
            file_name = draw(st.sampled_from([f"{name.upper()}.csv", f"{name}s.csv", "x.csv"]))
        files[file_name] = draw(corrupted_file(text))
    return files


def check(folder):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            code = main(["validate", str(folder), "--all"])
    output = out.getvalue() + err.getvalue()
    assert "Traceback" not in output and "internal error" not in output, output
    assert code in (0, 2), output
    if code == 2:
        errors = [line for line in output.splitlines() if line.startswith(("ERROR", "error"))]
        assert errors, output
        for line in errors:
            if line.startswith("error: "):  # nothing could be read: the study's path is named
                assert str(folder) in line, line
                continue
            table = re.match(r"ERROR: ([^,:]+)[,:]", line)
            assert table and table.group(1).strip(), line
            name = table.group(1)
            assert (
                name in TABLES
                or name.endswith((".csv", ".xlsx"))
                or re.fullmatch(r"[\w\-. ]+", name)
            ), line


def _run(tmp_path_factory, files):
    folder = tmp_path_factory.mktemp("fuzz")
    for name, data in files.items():
        (folder / name).write_bytes(data)
    try:
        check(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(files=corrupted_study(SMALL))
def test_a_corrupted_study_always_gets_an_answer(tmp_path_factory, files):
    _run(tmp_path_factory, files)


@pytest.mark.slow
@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(files=corrupted_study(ALL))
def test_a_corrupted_whole_study_always_gets_an_answer(tmp_path_factory, files):
    _run(tmp_path_factory, files)


def test_codecs_used_by_the_fuzzer_write_a_byte_order_mark():
    # the fuzzer relies on these to give files as Excel and editors write them
    assert "x".encode("utf-16").startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    assert "x".encode("utf-8-sig").startswith(codecs.BOM_UTF8)
