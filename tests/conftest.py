import shutil

import pandas as pd
import pytest

import cartkit as ck


@pytest.fixture
def example_dir(tmp_path):
    """A private copy of the shipped example study (csv folder)."""
    dest = tmp_path / "example"
    shutil.copytree(ck.example_study_path(), dest)
    return dest


def read_raw_csvs(folder):
    """The example's tables as text, exactly as a user's editor shows them."""
    return {
        p.stem: pd.read_csv(p, dtype=str, keep_default_na=False)
        for p in sorted(folder.glob("*.csv"))
    }


def write_raw_csvs(tables, folder):
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        df.to_csv(folder / f"{name}.csv", index=False)
