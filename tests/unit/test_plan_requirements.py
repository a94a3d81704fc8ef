"""What a study without optional tables loses: each analysis of the default plan, by table."""

import pytest

from cartkit.plan.default import default_plan
from cartkit.plan.requirements import OPTIONAL_TABLES, plan_gaps, variable_tables

ALL = ("patients", "events", *OPTIONAL_TABLES)


def test_every_table_present_loses_nothing():
    assert plan_gaps(default_plan(), ALL) == ()


def test_derived_variables_need_what_their_sources_need():
    plan = default_plan()
    assert variable_tables("crs_grade3plus", plan) == (("crs", "adverse_events"),)
    assert variable_tables("mrd_high_pre_or_post", plan) == (("mrd",),)
    assert variable_tables("expanded", plan) == (("kinetics",),)
    assert variable_tables("age_over_10", plan) == ()
    assert variable_tables("mrd_negative_cr_d28", plan) == (("marrow",), ("mrd",))


def test_without_kinetics_the_kinetic_analyses_cannot_run_and_models_lose_cmax():
    gaps = {g.analysis_id: g for g in plan_gaps(default_plan(), set(ALL) - {"kinetics"})}
    assert gaps["kinetics_overall"].cannot_run == "NCA parameters need the kinetics table"
    assert gaps["persistence_by_mrd_cr"].cannot_run == (
        "the PERSIST endpoint needs the kinetics table"
    )
    assert gaps["kinetics_expansion"].cannot_run == (
        "none of its variables can be derived without the kinetics table"
    )
    # Figure 2 correlates BCA duration with kinetic parameters: every pair needs kinetics
    assert gaps["figure2_bca_correlations"].cannot_run
    assert gaps["s2_lfs_cox_screening"].without == ("cmax (needs kinetics)",)
    assert not gaps["s2_lfs_cox_screening"].cannot_run
    assert "table1a_lfs_multivariable" not in gaps  # BCA duration comes from labs


@pytest.mark.parametrize(
    ("absent", "analysis", "reason"),
    [
        ("labs", "il6_odds_ratios", "marker 'il6_peak' needs the labs table"),
        ("crs", "s3_adverse_events", None),  # recorded grades in adverse_events will do
        ("marrow", "response_d28", "none of its variables can be derived without the marrow table"),
    ],
)
def test_one_absent_table(absent, analysis, reason):
    gaps = {g.analysis_id: g for g in plan_gaps(default_plan(), set(ALL) - {absent})}
    if reason is None:
        assert analysis not in gaps
    else:
        assert gaps[analysis].cannot_run == reason
        assert gaps[analysis].missing == (absent,)
