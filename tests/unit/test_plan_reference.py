"""A plan's title and [reference]; the default plan states no result of the paper."""

import dataclasses
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cartkit.plan.default import default_plan, published_reference
from cartkit.plan.plan import load_plan, plan_to_toml, validate_plan
from cartkit.plan.schema import PlanError, Reference, ReferenceValue

PLAN = """name = "my centre"
title = "CAR-T at my centre, 2019-2024"

[[analyses]]
id = "os_km"
kind = "survival"
title = "Overall survival"
endpoint = "OS"
time_points_years = [2.0]

[[analyses]]
id = "response"
kind = "rates"
title = "Response"
variables = ["responder_d28"]

[headline.os_2y]
label = "2-year overall survival"
analysis = "os_km"
where = {measure = "survival", time_years = 2.0}
show = "survival"

[headline.cr_rate]
label = "CR/CRi at day 28"
analysis = "response"
where = {variable = "responder_d28"}
show = "rate"

[headline.follow_up]
label = "median follow-up (months)"
analysis = "os_km"
where = {measure = "median follow-up"}
show = "number"
"""

REFERENCE = """
[reference]
source = "Trial X (J Clin Oncol, 2020)"
os_2y = {estimate = 0.81, ci_lower = 0.70, ci_upper = 0.88}
cr_rate = {estimate = 0.9, n_events = 45, n = 50}
follow_up = 24.5
"""


def _problems(text):
    with pytest.raises(PlanError) as err:
        load_plan(text)
    return err.value.problems


def test_title_and_reference_are_read_and_round_trip():
    plan = load_plan(PLAN + REFERENCE)
    assert plan.title == "CAR-T at my centre, 2019-2024"
    assert plan.reference == Reference(
        "Trial X (J Clin Oncol, 2020)",
        (
            ("os_2y", ReferenceValue(0.81, 0.70, 0.88)),
            ("cr_rate", ReferenceValue(0.9, n_events=45, n=50)),
            ("follow_up", ReferenceValue(24.5)),
        ),
    )
    assert plan.reference.get("follow_up").estimate == 24.5
    assert plan.reference.get("absent") is None
    assert load_plan(plan_to_toml(plan)) == plan
    assert validate_plan(plan) == plan


def test_a_proportion_alone_is_the_estimate_of_a_rate():
    plan = load_plan(PLAN + '[reference]\nsource = "S"\ncr_rate = 0.9\n')
    assert plan.reference.values == (("cr_rate", ReferenceValue(0.9)),)
    assert load_plan(plan_to_toml(plan)) == plan


def test_a_plan_without_them_has_neither_and_writes_neither():
    plan = load_plan(PLAN.replace('title = "CAR-T at my centre, 2019-2024"\n', ""))
    assert plan.title is None and plan.reference is None
    text = plan_to_toml(plan)
    assert "[reference]" not in text and "\ntitle = " not in text.split("[[analyses]]")[0]


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        (
            "os_2yy = 0.8",
            "line 37: reference.os_2yy: is not the key of a headline item of this plan (did you "
            "mean 'os_2y'?); a reference gives published values of headline items (known: "
            "os_2y, cr_rate, follow_up)",
        ),
        (
            "os_2y = 81.0",
            "line 37: reference.os_2y: must be a proportion in [0, 1] (write 81% as 0.81), "
            "got 81.0",
        ),
        (
            "os_2y = {estimate = 0.8, ci_lower = 0.85, ci_upper = 0.9}",
            "line 37: reference.os_2y: needs ci_lower <= estimate <= ci_upper, got 0.85, 0.8, 0.9",
        ),
        (
            "os_2y = {estimate = 0.8, ci_lower = 0.7}",
            "line 37: reference.os_2y.ci_upper: is required with ci_lower",
        ),
        (
            "os_2y = {estimate = 0.8, n = 50}",
            "line 37: reference.os_2y.n: unknown key; a survival value has estimate, ci_lower, "
            "ci_upper",
        ),
        (
            "cr_rate = {estimate = 0.9, n_events = 51, n = 50}",
            "line 37: reference.cr_rate: needs 0 <= n_events <= n and n >= 1, got n_events = 51, "
            "n = 50",
        ),
        (
            "cr_rate = {estimate = 0.9, n_events = 4.5, n = 50}",
            "line 37: reference.cr_rate.n_events: must be a whole number >= 0, got 4.5 (float)",
        ),
        (
            "cr_rate = {estimat = 0.9}",
            "line 37: reference.cr_rate.estimat: unknown key (did you mean 'estimate'?); a rate "
            "value has estimate, ci_lower, ci_upper, n_events, n",
        ),
        (
            'follow_up = "24.5 months"',
            "line 37: reference.follow_up: headline item 'follow_up' shows one number: give a "
            "number, got '24.5 months'",
        ),
    ],
)
def test_reference_problems_are_located_and_say_how_to_fix(bad, expected):
    problems = _problems(PLAN + f'\n[reference]\nsource = "S"\n{bad}\n')
    assert expected in problems, problems


def test_every_reference_problem_at_once_and_a_missing_source():
    problems = _problems(PLAN + "\n[reference]\nos_2y = 2.0\ncr_rate = -0.1\nfollow_up = true\n")
    assert [p.split(":")[1].strip() for p in problems] == [
        "reference.source",
        "reference.os_2y",
        "reference.cr_rate",
        "reference.follow_up",
    ]
    assert problems[0].startswith("line 35: reference.source: is required: where the values")


def test_a_reference_needs_a_headline_and_a_value():
    no_headline = PLAN.split("[headline.os_2y]")[0]
    (msg,) = _problems(no_headline + '[reference]\nsource = "S"\nos_2y = 0.8\n')
    assert msg.endswith("(known: none: the plan has no [headline])")
    (msg,) = _problems(PLAN + '[reference]\nsource = "S"\n')
    assert msg == (
        "line 34: reference: gives no value; add one per headline item, e.g. os_5y = 0.749"
    )
    (msg,) = _problems('reference = "paper"\n' + PLAN)
    assert msg == "line 1: reference: must be a table ([reference]), got 'paper'"


def test_title_must_be_text():
    (msg,) = _problems(PLAN.replace('title = "CAR-T at my centre, 2019-2024"', "title = 3"))
    assert msg == "line 2: title: must be a string, got 3 (int)"


@given(
    estimate=st.floats(0, 1),
    half=st.floats(0, 0.5),
    n=st.integers(1, 10_000),
    frac=st.floats(0, 1),
)
def test_any_valid_rate_reference_round_trips(estimate, half, n, frac):
    low, high = max(0.0, estimate - half), min(1.0, estimate + half)
    events = round(frac * n)
    text = (
        PLAN + f'[reference]\nsource = "S"\ncr_rate = {{estimate = {estimate!r}, '
        f"ci_lower = {low!r}, ci_upper = {high!r}, n_events = {events}, n = {n}}}\n"
    )
    plan = load_plan(text)
    assert plan.reference.get("cr_rate") == ReferenceValue(estimate, low, high, events, n)
    assert load_plan(plan_to_toml(plan)) == plan


#: how the paper's results read in running text: decimals, thousands, percentages, tests
_RESULT = re.compile(r"\d\.\d|\d,\d{3}|%|\b[pr] [=<>]|\bOR\b|\bHR\b|\bmedian\b|\bvs\b")


def test_the_default_plan_names_where_not_what_the_paper_found():
    plan = default_plan()
    assert plan.reference is None and plan.title is None
    assert plan.name == (
        "Default plan (the analyses of a published study of CD19 CAR-T in pediatric B-ALL)"
    )
    for a in plan.analyses:
        assert not _RESULT.search(a.source), (a.id, a.source)
    assert plan.get("os_km").source == "Results, Efficacy"
    assert plan.get("kinetics_overall").source == "Results, PK of CAR-T cells"
    assert plan.get("sfig_s3_expansion_persistence").source == "Supplementary Figure S3"


def test_the_published_reference_is_the_papers_headline():
    ref = published_reference()
    assert ref is published_reference()
    assert ref.source == "Published study (Wang et al., Front. Immunol. 2025)"
    assert [k for k, _ in ref.values] == [h.key for h in default_plan().headline]
    assert ref.get("os_5y") == ReferenceValue(0.749, 0.648, 0.851)
    assert ref.get("lfs_5y") == ReferenceValue(0.678, 0.575, 0.780)
    assert ref.get("cr_rate") == ReferenceValue(0.98, n_events=49, n=50)
    assert ref.get("mrd_negative_cr_rate") == ReferenceValue(0.96, n_events=48, n=50)
    assert ref.get("crs_grade3plus_rate") == ReferenceValue(0.16, n_events=8, n=50)
    assert ref.get("icans_any_rate") == ReferenceValue(0.10, n_events=5, n=50)
    assert ref.get("median_follow_up_months") == ReferenceValue(68.7)
    assert ref.get("cmax_median") == ReferenceValue(30860.0)
    assert ref.get("tmax_median") == ReferenceValue(10.5)
    demo = dataclasses.replace(default_plan(), reference=ref)
    assert load_plan(plan_to_toml(demo)) == demo
