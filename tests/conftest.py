import os
import shutil

import pandas as pd
import pytest
from hypothesis import settings

import cartkit as ck

# The suite is reproducible by default: the same examples every run, so CI never depends on
# luck. `HYPOTHESIS_PROFILE=explore pytest` searches new random examples.
settings.register_profile("repeatable", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


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


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium under Playwright (tests/browser.py); skips where either is missing."""
    from tests.browser import chromium

    with chromium() as b:
        yield b
