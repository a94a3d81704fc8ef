"""A cohort is simulated and written a block of patients at a time: the same study, any size.

STREAM_BLOCK is made small here (40 patients) so that a few hundred patients span blocks.
"""

import hashlib

import pandas as pd
import pyarrow.parquet as pq
import pytest

import cartkit as ck
from cartkit.cli import main
from cartkit.io.blocks import write_blocks
from cartkit.simulate import cohort


@pytest.fixture
def small_blocks(monkeypatch):
    monkeypatch.setattr(cohort, "STREAM_BLOCK", 40)


def _digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_blocks_concatenated_are_the_study(small_blocks):
    study = ck.simulate_study(100, seed=5)
    blocks = list(cohort.simulate_blocks(100, seed=5))
    assert len(blocks) == 3
    for name, table in study.tables.items():
        whole = pd.concat([b[0][name] for b in blocks], ignore_index=True)
        pd.testing.assert_frame_equal(table, whole)
    ids = study.tables["patients"]["patient_id"].tolist()
    assert ids == [f"P{i:03d}" for i in range(1, 101)]  # one numbering over the blocks
    assert study.metadata["truth"]["patient_id"].tolist() == ids
    assert ck.validate_study(study).ok


def test_the_first_block_is_the_cohort_drawn_without_blocks(small_blocks):
    # block 0 draws from the seed's own streams: a cohort within one block is unchanged
    one = ck.simulate_study(40, seed=5)
    many = ck.simulate_study(100, seed=5)
    first = many.tables["patients"]["patient_id"].isin(one.tables["patients"]["patient_id"])
    pd.testing.assert_frame_equal(
        many.tables["patients"][first].reset_index(drop=True), one.tables["patients"]
    )
    # later blocks are other patients, not the first block again
    second = many.tables["patients"].iloc[40:80].reset_index(drop=True)
    assert not second.drop(columns="patient_id").equals(
        one.tables["patients"].drop(columns="patient_id")
    )


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_written_block_by_block_is_written_whole(small_blocks, tmp_path, fmt):
    study = ck.simulate_study(100, seed=5)
    whole = study.write(tmp_path / "whole", fmt)
    blocks = (tables for tables, _ in cohort.simulate_blocks(100, seed=5))
    pieces = write_blocks(blocks, tmp_path / "blocks", fmt)
    assert sorted(p.name for p in pieces) == sorted(p.name for p in whole)
    if fmt == "csv":  # the same bytes
        assert _digest(tmp_path / "blocks") == _digest(tmp_path / "whole")
    else:  # the same values (a row group per block)
        for path in whole:
            got = pq.read_table(tmp_path / "blocks" / path.name)
            assert got.equals(pq.read_table(path))
            assert pq.ParquetFile(tmp_path / "blocks" / path.name).num_row_groups == 3
    assert not list((tmp_path / "blocks").glob(".*part"))


def test_the_command_writes_the_same_files_for_a_seed(small_blocks, tmp_path):
    for run in ("a", "b"):
        args = ["simulate", "--patients", "90", "--seed", "3", "--format", "parquet"]
        assert main([*args, "--out", str(tmp_path / run)]) == 0
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    back = ck.read_study(tmp_path / "a")
    assert len(back.tables["patients"]) == 90


def test_a_table_too_long_for_a_sheet_is_refused(tmp_path, monkeypatch):
    from cartkit.io import writers

    monkeypatch.setattr(writers, "EXCEL_MAX_ROWS", 1000)
    code = main(
        ["simulate", "--patients", "10", "--format", "xlsx", "--out", str(tmp_path / "s.xlsx")]
    )
    assert code == 2
    assert not (tmp_path / "s.xlsx").exists()
