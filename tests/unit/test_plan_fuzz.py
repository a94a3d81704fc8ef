"""Fuzzing analysis plans: any TOML value anywhere gives a Plan or a PlanError, never a crash."""

import copy
import datetime as dt
import tomllib
import warnings

from hypothesis import given, settings
from hypothesis import strategies as st

from cartkit.plan.default import default_plan_toml
from cartkit.plan.plan import load_plan, plan_from_dict, plan_to_toml
from cartkit.plan.schema import (
    ENDPOINTS,
    DerivedVariable,
    Plan,
    PlanError,
    Rates,
    Settings,
    Survival,
)

BASE = tomllib.loads(default_plan_toml())

scalars = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["OS", "median", "any", "below", "not", "cox", "survival", "sex", "ml"]),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(),
    st.datetimes(),
    st.times(),
)
toml_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(max_size=8), inner, max_size=4),
    ),
    max_leaves=12,
)

# every key the plan knows, plus a few it does not
_KNOWN_KEYS = {k for a in BASE["analyses"] for k in a} | {k for d in BASE["derived"] for k in d}
keys = st.sampled_from(
    [*sorted(_KNOWN_KEYS), "threshold", "models", "pairs", "value", "combine", "extra"]
)


def _outcome(data):
    """A Plan, or the PlanError; anything else fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return plan_from_dict(data)
        except PlanError as err:
            assert err.problems and all(":" in p for p in err.problems)
            return err


@settings(max_examples=150, deadline=None)
@given(st.data(), keys, toml_values)
def test_any_value_in_an_analysis_or_derived_variable(data, key, value):
    doc = copy.deepcopy(BASE)
    section = data.draw(st.sampled_from(["analyses", "derived"]))
    i = data.draw(st.integers(0, len(doc[section]) - 1))
    doc[section][i][key] = value
    got = _outcome(doc)
    if not isinstance(got, PlanError):
        # whatever validates also survives the writer
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert load_plan(plan_to_toml(got)) == got


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(
        [*sorted(BASE["settings"]), "name", "version", "settings", "derived", "analyses", "other"]
    ),
    toml_values,
)
def test_any_value_in_settings_or_at_the_top(key, value):
    doc = copy.deepcopy(BASE)
    if key in BASE["settings"]:
        doc["settings"][key] = value
    else:
        doc[key] = value
    got = _outcome(doc)
    if not isinstance(got, PlanError):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert load_plan(plan_to_toml(got)) == got


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_any_text_gives_a_plan_or_a_plan_error(text):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            load_plan(text + "\n")
    except PlanError:
        pass


def test_dates_are_rejected_with_their_location():
    doc = copy.deepcopy(BASE)
    doc["settings"]["lloq"] = dt.date(2020, 1, 1)
    got = _outcome(doc)
    assert got.problems == (
        "settings.lloq: must be a finite number, got datetime.date(2020, 1, 1) (date)",
    )


ids = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,10}", fullmatch=True)
names = st.sampled_from(["female", "sex", "age_years", "bca", "cmax", "risk_group"])
finite = st.floats(min_value=1e-6, max_value=1e6, allow_nan=False)


@st.composite
def plans(draw):
    n = draw(st.integers(1, 4))
    aids = draw(st.lists(ids, min_size=n, max_size=n, unique=True))
    analyses = []
    for aid in aids:
        title = draw(st.text(min_size=1).filter(str.strip))
        if draw(st.booleans()):
            times = sorted(set(draw(st.lists(finite, max_size=3))))
            analyses.append(
                Survival(
                    id=aid,
                    title=title,
                    source=draw(st.text()),
                    endpoint=draw(st.sampled_from(ENDPOINTS)),
                    group=draw(st.none() | names),
                    time_points_years=tuple(times),
                    logrank=draw(st.booleans()),
                )
            )
        else:
            variables = tuple(draw(st.lists(names, min_size=1, max_size=3, unique=True)))
            analyses.append(Rates(id=aid, title=title, variables=variables))
    lo = draw(st.floats(0, 100, allow_nan=False))
    window = (lo, lo + draw(finite))
    derived = ()
    if draw(st.booleans()):
        value = draw(finite | st.just("median"))
        derived = (DerivedVariable("derived_x", ("age_years",), "at_least", value),)
    return Plan(
        name=draw(st.text(min_size=1).filter(str.strip)),
        version=draw(st.text(min_size=1).filter(str.strip)),
        settings=Settings(conf_level=draw(st.floats(0.5, 0.999)), nca_window=window),
        derived=derived,
        analyses=tuple(analyses),
    )


@settings(max_examples=100, deadline=None)
@given(plans())
def test_round_trip_of_generated_plans(plan):
    text = plan_to_toml(plan)
    assert load_plan(text) == plan
    assert plan_to_toml(load_plan(text)) == text


def test_a_derived_variable_without_a_name_is_one_located_problem():
    doc = copy.deepcopy(BASE)
    doc["derived"] = [{}]
    err = _outcome(doc)
    assert isinstance(err, PlanError)
    assert "derived[0].name: must be a string, got None (NoneType)" in err.problems
