"""``cartkit.analyze(figure=...)`` hands each figure over as soon as its analysis is done."""

import dataclasses

import pandas as pd
import pytest

import cartkit as ck
from cartkit.plan.default import default_plan


@pytest.fixture(scope="module")
def study():
    return ck.read_study(ck.example_study_path())


def test_each_figure_is_handed_over_once_with_the_draw_the_report_uses(study):
    full = default_plan()
    ids = ["os_km", "response_d28", "swimmer", "cir_nrm"]
    plan = dataclasses.replace(full, analyses=tuple(full.get(i) for i in ids), headline=())
    given = []
    early = ck.analyze(study, plan, figure=lambda fid, draw: given.append((fid, draw)))
    plain = ck.analyze(study, plan)
    # in plan order, every figure once, and the very draw objects the analysis holds
    assert [fid for fid, _ in given] == list(early.figures) == list(plain.figures)
    assert len(given) >= 3
    assert all(draw is early.figures[fid].draw for fid, draw in given)
    # the same analysis as without the hand-over
    assert [f.title for f in early.figures.values()] == [f.title for f in plain.figures.values()]
    assert list(early.tables) == list(plain.tables)
    for tid, table in plain.tables.items():
        pd.testing.assert_frame_equal(early.tables[tid].data, table.data)
    assert early.results == plain.results


def test_the_derived_datasets_are_handed_over_before_any_analysis(study):
    full = default_plan()
    plan = dataclasses.replace(full, analyses=(full.get("os_km"),), headline=())
    seen, order = {}, []

    def datasets(derived, context):
        order.append("datasets")
        seen.update(derived)
        assert context.patients is derived["adsl"]

    analysis = ck.analyze(
        study, plan, datasets=datasets, figure=lambda fid, draw: order.append(fid)
    )
    assert order[0] == "datasets" and len(order) > 1
    # the very objects the report writes; exclusions and findings come at the end of the run
    assert set(seen) == set(analysis.derived) - {"excluded", "findings"}
    assert {"adsl", "adtte", "nca", "crs", "icans"} <= set(seen)
    assert all(seen[name] is analysis.derived[name] for name in seen)
