"""Outputs never over inputs (issue 15, point 5): refused when they are, contain or are inside
an input; an existing output replaced only with --force, as a whole, after success; a failure
leaves nothing behind."""

import os

import pytest

import cartkit as ck
from cartkit.cli import main


def run(args, capsys):
    code = main(args)
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    return code, out.out, out.err


def snapshot(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(parent):
    return [p.name for p in parent.iterdir() if p.name.endswith((".part", ".old"))]


@pytest.mark.parametrize(
    ("where", "says"),
    [
        (lambda s: s, "it is one of the inputs"),
        (lambda s: s / "report", "it is inside the input {study}"),
        (lambda s: s.parent, "it contains the input {study}"),
    ],
)
def test_report_refuses_an_output_over_its_input(example_dir, capsys, where, says):
    before = snapshot(example_dir)
    out = where(example_dir)
    code, _, err = run(["report", str(example_dir), "--out", str(out), "--force"], capsys)
    assert code == 2
    assert err == (
        f"error: refusing to write to {out}: {says.format(study=example_dir)}; choose an output "
        "outside the study's input files and folders\n"
    )
    assert snapshot(example_dir) == before
    assert not (example_dir / "report").exists()


def test_report_refuses_a_folder_holding_its_workbook(tmp_path, capsys):
    ck.read_study(ck.example_study_path()).write(tmp_path / "study.xlsx", "xlsx")
    code, _, err = run(["report", str(tmp_path / "study.xlsx"), "--out", str(tmp_path)], capsys)
    assert code == 2
    assert f"it contains the input {tmp_path / 'study.xlsx'}" in err


def test_simulate_refuses_to_overwrite_a_study(example_dir, capsys):
    before = snapshot(example_dir)
    code, _, err = run(["simulate", "--patients", "3", "--out", str(example_dir)], capsys)
    assert code == 2
    assert err == (
        f"error: {example_dir} already exists and is not empty; give a new folder, or --force "
        "to replace it as a whole\n"
    )
    assert snapshot(example_dir) == before


def test_force_replaces_the_folder_as_a_whole(tmp_path, capsys):
    out = tmp_path / "sim"
    out.mkdir()
    (out / "old.txt").write_text("from before")
    code, _, _ = run(["simulate", "--patients", "3", "--out", str(out), "--force"], capsys)
    assert code == 0
    assert not (out / "old.txt").exists() and (out / "patients.csv").is_file()
    assert leftovers(tmp_path) == []


def test_an_empty_folder_is_used_without_force(tmp_path, capsys):
    (tmp_path / "sim").mkdir()
    code, _, _ = run(["simulate", "--patients", "3", "--out", str(tmp_path / "sim")], capsys)
    assert code == 0 and (tmp_path / "sim" / "events.csv").is_file()


def _fail_midway(monkeypatch):
    real = ck.Study.write

    def write_then_fail(self, path, format="csv"):
        real(ck.Study({"patients": self["patients"]}), path, format)
        raise OSError("disk full")

    monkeypatch.setattr(ck.Study, "write", write_then_fail)
    # `cartkit simulate` writes csv and parquet block by block
    from cartkit.io import blocks

    real_blocks = blocks.write_blocks

    def blocks_then_fail(tables, folder, format="csv", **kwargs):
        real_blocks(({"patients": t["patients"]} for t in tables), folder, format, **kwargs)
        raise OSError("disk full")

    monkeypatch.setattr(blocks, "write_blocks", blocks_then_fail)


def test_a_failure_leaves_no_partial_output(tmp_path, capsys, monkeypatch):
    _fail_midway(monkeypatch)
    code, _, err = run(["simulate", "--patients", "3", "--out", str(tmp_path / "new")], capsys)
    assert code == 2 and err == "error: disk full\n"
    assert not (tmp_path / "new").exists()
    assert leftovers(tmp_path) == []


def test_a_failure_keeps_the_folder_it_would_have_replaced(tmp_path, capsys, monkeypatch):
    out = tmp_path / "sim"
    out.mkdir()
    (out / "keep.txt").write_text("still here")
    _fail_midway(monkeypatch)
    code, _, _ = run(["simulate", "--patients", "3", "--out", str(out), "--force"], capsys)
    assert code == 2
    assert snapshot(out) == {out.joinpath("keep.txt").relative_to(out): b"still here"}
    assert leftovers(tmp_path) == []


def test_force_never_replaces_the_current_or_home_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.txt").write_text("precious")
    code, _, err = run(["simulate", "--patients", "3", "--out", ".", "--force"], capsys)
    assert code == 2
    assert err == "error: refusing to replace .: it is the current folder; give a new folder\n"
    code, _, err = run(["simulate", "--patients", "3", "--out", "..", "--force"], capsys)
    assert "it is a folder holding the current folder" in err
    assert (tmp_path / "mine.txt").read_text() == "precious"


def test_single_files_are_replaced_only_with_force(tmp_path, capsys):
    plan = tmp_path / "plan.toml"
    plan.write_text("# my edited plan\n")
    code, _, err = run(["plan", "--out", str(plan)], capsys)
    assert code == 2
    assert err == f"error: {plan} already exists; give another name, or --force to replace it\n"
    assert plan.read_text() == "# my edited plan\n"
    assert run(["plan", "--out", str(plan), "--force"], capsys)[0] == 0
    assert plan.read_text().startswith("# The analysis plan")


def test_nca_never_writes_over_its_input(tmp_path, capsys):
    kin = tmp_path / "kinetics.csv"
    kin.write_bytes((ck.example_study_path() / "kinetics.csv").read_bytes())
    code, _, err = run(["nca", str(kin), "--out", str(kin), "--force"], capsys)
    assert code == 2 and "it is one of the inputs" in err
    assert kin.read_bytes() == (ck.example_study_path() / "kinetics.csv").read_bytes()


def test_a_new_output_folder_follows_the_umask(tmp_path, capsys):
    old = os.umask(0o022)
    try:
        assert run(["simulate", "--patients", "3", "--out", str(tmp_path / "u")], capsys)[0] == 0
    finally:
        os.umask(old)
    assert (tmp_path / "u").stat().st_mode & 0o777 == 0o755
