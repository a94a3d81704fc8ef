"""Analysis plans: the default plan, the TOML round trip and located validation messages."""

import re
import tomllib
import warnings

import pytest

from cartkit.derive.adam import ADSL_COLUMNS
from cartkit.derive.time_to_event import DEFAULT_ENDPOINTS
from cartkit.errors import CartkitError
from cartkit.plan import _toml
from cartkit.plan.default import default_plan, default_plan_toml
from cartkit.plan.plan import check_plan, load_plan, plan_to_toml, validate_plan
from cartkit.plan.schema import (
    ENDPOINTS,
    CoxScreening,
    LogisticScreening,
    Model,
    Plan,
    PlanError,
    Settings,
    Survival,
)

HEAD = 'name = "test"\n'


def _problems(text):
    """The located problems of a plan's text (without the line numbers load_plan adds)."""
    with pytest.raises(PlanError) as err:
        load_plan(text)
    return tuple(re.sub(r"^line \d+: ", "", p) for p in err.value.problems)


def test_default_plan_loads_without_warnings_and_is_cached():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plan = default_plan()
    assert plan is default_plan()
    assert check_plan(plan) == ()
    ids = [a.id for a in plan.analyses]
    assert len(ids) == len(set(ids)) == 42
    assert plan.settings == Settings()


def test_default_plan_holds_the_papers_analyses():
    plan = default_plan()
    t1a = plan.get("table1a_lfs_multivariable")
    assert (t1a.kind, t1a.endpoint, t1a.source) == ("cox", "LFS", "Table 1A")
    # B-cell recovery (time-dependent) rather than BCA duration, which is censored
    assert t1a.covariates == ("bca_loss", "female", "mrd_negative_cr_d28")
    assert plan.get("table1b_os_multivariable").covariates[-2:] == ("hsct_after_cart", "bca_loss")
    bca = plan.get("bca_duration_km")
    assert (bca.kind, bca.endpoint) == ("survival", "BCADUR")
    assert plan.get("bca_timing").variables == ("bca_onset_day",)
    t2 = plan.get("table2_crs_grade3_logistic")
    assert isinstance(t2, LogisticScreening)
    assert t2.outcome == "crs_grade3plus" and not t2.screened_model
    assert t2.models[0] == Model(
        "Model 1", ("female", "no_prior_hsct", "pre_ld_mrd_below_1e3", "dose_below_median")
    )
    assert t2.models[1].covariates[2] == "post_ld_mrd_below_1e3"
    assert plan.get("s4_icans_logistic").models == ()
    s2 = plan.get("s2_lfs_cox_screening")
    assert isinstance(s2, CoxScreening) and s2.threshold is None
    fig = plan.get("figure1_os_by_hsct_preld")
    assert isinstance(fig, Survival)
    assert (fig.endpoint, fig.group, fig.subgroup) == (
        "OS",
        "hsct_after_cart",
        "pre_ld_mrd_below_1e4",
    )
    assert plan.get("os_km").follow_up and plan.get("os_km").time_points_years == (1.0, 3.0, 5.0)
    t3 = plan.get("table3_kinetics_by_subgroup")
    assert len(t3.subgroups) == 17 and t3.parameters == ("cmax", "auc_window", "tlast")
    fig2 = plan.get("figure2_bca_correlations")
    assert ("tlast", "bca_duration_days") in fig2.pairs
    sources = " ".join(a.source for a in plan.analyses)
    for ref in (
        "Table 1A",
        "Table 1B",
        "Table 2",
        "Table 3",
        "Figure 1",
        "Figure 2",
        "Supplementary Table S1",
        "Supplementary Table S2",
        "Supplementary Table S3",
        "Supplementary Table S4",
    ):
        assert ref in sources


def test_default_plan_derived_variables():
    by_name = {d.name: d for d in default_plan().derived}
    both = by_name["mrd_high_pre_or_post"]
    assert both.source == ("pre_ld_mrd", "post_ld_mrd")
    assert (both.rule, both.value, both.combine) == ("at_least", 0.001, "any")
    assert by_name["dose_below_median"].value == "median"
    assert by_name["pre_ld_mrd_below_1e4"].value == pytest.approx(1e-4)
    assert by_name["no_prior_hsct"].rule == "not" and by_name["no_prior_hsct"].value is None


def test_endpoints_follow_the_derivation():
    assert ENDPOINTS == tuple(e.paramcd for e in DEFAULT_ENDPOINTS)
    assert ENDPOINTS[:4] == ("OS", "LFS", "CIR", "NRM")


def test_round_trip_of_the_default_plan():
    plan = default_plan()
    text = plan_to_toml(plan)
    assert load_plan(text) == plan
    assert plan_to_toml(load_plan(text)) == text
    assert tomllib.loads(default_plan_toml())["name"] == plan.name


def test_round_trip_of_awkward_strings_and_values():
    plan = Plan(
        name='quote " backslash \\ tab\t newline\n del\x7f é ✓',
        version="2.0-β",
        settings=Settings(conf_level=0.9, nca_window=(0.0, 1e-300), time_points_years=(0.5,)),
        analyses=(Survival(id="a", title="x = 1 # not a comment", endpoint="OS", group="female"),),
    )
    back = load_plan(plan_to_toml(plan))
    assert back == plan
    assert back.name.endswith("del\x7f é ✓")


def test_load_plan_from_a_file(tmp_path):
    path = tmp_path / "plan.toml"
    path.write_text(plan_to_toml(default_plan()), encoding="utf-8")
    assert load_plan(path) == default_plan()
    assert load_plan(str(path)) == default_plan()
    with pytest.raises(PlanError, match="cannot read the plan file"):
        load_plan(tmp_path / "missing.toml")


def test_plan_error_is_a_value_error_and_a_cartkit_error():
    err = PlanError(["a: b"], source="x.toml")
    assert isinstance(err, ValueError) and isinstance(err, CartkitError)
    assert str(err) == "1 problem(s) in the analysis plan in x.toml:\n  - a: b"


# each case: TOML text and the exact problem it must produce
BROKEN = {
    "bad endpoint": (
        '[[analyses]]\nid = "a"\nkind = "survival"\ntitle = "t"\nendpoint = "OSS"\n',
        "analyses[0].endpoint: 'OSS' is not an endpoint; known: OS, LFS, CIR, NRM, REL19N, "
        "REL19P, PERSIST, BCADUR (did you mean 'OS'?)",
    ),
    "unknown key": (
        '[[analyses]]\nid = "a"\nkind = "rates"\ntitle = "t"\nvariables = ["bca"]\n'
        'groupp = "sex"\n',
        "analyses[0].groupp: unknown key (did you mean 'group'?); known: id, kind, title, "
        "source, population, variables, group, missing",
    ),
    "wrong type": (
        '[[analyses]]\nid = "a"\nkind = "baseline"\ntitle = "t"\nvariables = "age_years"\n',
        "analyses[0].variables: must be a list of strings, got 'age_years'",
    ),
    "unknown kind": (
        '[[analyses]]\nid = "a"\nkind = "survivl"\ntitle = "t"\n',
        "analyses[0].kind: 'survivl' is not an analysis kind; known: baseline, rates, "
        "event_summary, survival, cumulative_incidence, cox, cox_screening, "
        "logistic_screening, compare, correlation, kinetics, kinetic_model, threshold_or, "
        "crs_icans_characteristics, swimmer "
        "(did you mean 'survival'?)",
    ),
    "threshold out of range": (
        '[[analyses]]\nid = "a"\nkind = "cox_screening"\ntitle = "t"\nendpoint = "OS"\n'
        'candidates = ["female"]\nthreshold = 1.5\n',
        "analyses[0].threshold: must be in (0, 1], got 1.5",
    ),
    "conf level as percent": (
        "[settings]\nconf_level = 95\n",
        "settings.conf_level: must be in (0, 1), got 95",
    ),
    "reversed nca window": (
        "[settings]\nnca_window = [28, 0]\n",
        "settings.nca_window: needs 0 <= start < end, got [28, 0]",
    ),
    "unsorted time points": (
        "[settings]\ntime_points_years = [5, 1]\n",
        "settings.time_points_years: times must be > 0 and increasing, got [5, 1]",
    ),
    "missing required key": (
        '[[analyses]]\nid = "a"\nkind = "cox"\ntitle = "t"\nendpoint = "LFS"\n',
        "analyses[0].covariates: is required by kind 'cox'",
    ),
    "derived name clashes with ADSL": (
        '[[derived]]\nname = "female"\nfrom = "sex"\nrule = "equals"\nvalue = "F"\n',
        "derived[0].name: 'female' is already a variable; choose another name",
    ),
    "rule in without a list": (
        '[[derived]]\nname = "x"\nfrom = "risk_group"\nrule = "in"\nvalue = "poor"\n',
        "derived[0].value: rule 'in' needs a non-empty list of values, got 'poor'",
    ),
    "unknown rule": (
        '[[derived]]\nname = "x"\nfrom = "age_years"\nrule = "bellow"\nvalue = 3\n',
        "derived[0].rule: 'bellow' is not allowed; use one of below, at_most, above, "
        "at_least, equals, in, not, log10 (did you mean 'below'?)",
    ),
    "numeric rule with text": (
        '[[derived]]\nname = "x"\nfrom = "age_years"\nrule = "above"\nvalue = "ten"\n',
        "derived[0].value: rule 'above' needs a number or \"median\", got 'ten'",
    ),
    "derived used before it is defined": (
        '[[derived]]\nname = "x"\nfrom = "y"\nrule = "not"\n'
        '[[derived]]\nname = "y"\nfrom = "prior_cart"\nrule = "not"\n',
        "derived[0].from[0]: 'y' is derived[1], defined later; define it first",
    ),
    "derived from itself": (
        '[[derived]]\nname = "x"\nfrom = "x"\nrule = "not"\n',
        "derived[0].from[0]: 'x' is the variable being defined; derive it from other variables",
    ),
    "correlation with itself": (
        '[[analyses]]\nid = "a"\nkind = "correlation"\ntitle = "t"\npairs = [["cmax", "cmax"]]\n',
        "analyses[0].pairs[0]: correlates 'cmax' with itself",
    ),
    "model with unknown key": (
        '[[analyses]]\nid = "a"\nkind = "logistic_screening"\ntitle = "t"\noutcome = "bca"\n'
        'candidates = ["female"]\nmodels = [{name = "M", covariates = ["female"], x = 1}]\n',
        "analyses[0].models[0].x: unknown key; a model has name and covariates",
    ),
    "group equals subgroup": (
        '[[analyses]]\nid = "a"\nkind = "survival"\ntitle = "t"\nendpoint = "OS"\n'
        'group = "sex"\nsubgroup = "sex"\n',
        "analyses[0].subgroup: must differ from group",
    ),
    "bad id": (
        '[[analyses]]\nid = "Table 1"\nkind = "rates"\ntitle = "t"\nvariables = ["bca"]\n',
        "analyses[0].id: 'Table 1' must start with a letter and hold only letters, digits and _",
    ),
    "bad nca parameter": (
        '[[analyses]]\nid = "a"\nkind = "kinetics"\ntitle = "t"\nparameters = ["cmx"]\n',
        "analyses[0].parameters: 'cmx' not NCA parameter(s); known: cmax, tmax, tlast, clast, "
        "auc_window, auclast, half_life",
    ),
}

VALID_ANALYSIS = '[[analyses]]\nid = "ok"\nkind = "rates"\ntitle = "t"\nvariables = ["bca"]\n'


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_plan_gives_the_located_message(case):
    text, expected = BROKEN[case]
    if "[[analyses]]" not in text:
        text = text + VALID_ANALYSIS
    assert _problems(HEAD + text) == (expected,)


def test_every_problem_is_reported_at_once():
    text = (
        'name = "x"\nversion = 3\ncolour = "red"\n[settings]\nlloq = -1\n'
        '[[analyses]]\nid = "a"\nkind = "survival"\ntitle = "t"\nendpoint = "OSS"\n'
        '[[analyses]]\nid = "a"\nkind = "rates"\ntitle = "t"\nvariables = []\n'
        '[[analyses]]\nid = "b"\nkind = "nope"\n'
    )
    problems = _problems(text)
    assert len(problems) == 7
    # in the order of the file: version (line 2) before colour (line 3)
    assert problems[0] == "version: must be a string, got 3 (int)"
    assert problems[1].startswith("colour: unknown key")
    assert "version: must be a string, got 3 (int)" in problems
    assert "settings.lloq: must be > 0, got -1" in problems
    assert any(p.startswith("analyses[0].endpoint: 'OSS'") for p in problems)
    assert "analyses[1].variables: must list at least one name" in problems
    assert "analyses[1].id: 'a' is also the id of analyses[0]; ids must be unique" in problems
    assert any(p.startswith("analyses[2].kind: 'nope' is not an analysis kind") for p in problems)


def test_structural_problems():
    assert _problems('name = "x"\n') == (
        "analyses: must be a non-empty array of tables ([[analyses]]), got None (NoneType)",
    )
    assert _problems(VALID_ANALYSIS) == ("name: must be a string, got None (NoneType)",)
    (msg,) = _problems('name = "x"\nanalyses = [1')
    assert msg.startswith("(toml): not valid TOML:")
    (msg,) = _problems(HEAD + "settings = 3\n" + VALID_ANALYSIS)
    assert msg == "settings: must be a table, got 3 (int)"


_UNKNOWN = HEAD + (
    '[[derived]]\nname = "old"\nfrom = "age_years"\nrule = "above"\nvalue = 12\n'
    '[[analyses]]\nid = "a"\nkind = "compare"\ntitle = "t"\n'
    'variables = ["old", "ldh"]\ngroup = "sexx"\n'
)


def test_unknown_variables_are_refused_with_their_line_location_and_suggestion():
    with pytest.raises(PlanError) as err:
        load_plan(_UNKNOWN)
    lines = _UNKNOWN.splitlines()
    at = {
        key: lines.index(next(x for x in lines if x.startswith(key))) + 1
        for key in ("variables", "group")
    }
    ldh, sexx = err.value.problems
    assert ldh.startswith(
        f"line {at['variables']}: analyses[0].variables[1]: 'ldh' is not a variable of the "
        "analysis dataset"
    )
    assert sexx == (
        f"line {at['group']}: analyses[0].group: 'sexx' is not a variable of the analysis dataset "
        "(did you mean 'sex'?)"
    )


def test_a_study_column_is_a_variable_the_plan_may_name():
    plan = load_plan(_UNKNOWN.replace('"sexx"', '"sex"'), variables=["ldh"])
    assert plan.analyses[0].variables == ("old", "ldh")
    assert plan.derived[0].value == 12.0 and isinstance(plan.derived[0].value, float)


def test_every_problem_of_a_file_at_once_in_file_order():
    text = default_plan_toml()
    text = text.replace('covariates = ["bca_loss", "female"', 'covariates = ["bca_los", "female"')
    text = text.replace("screening_threshold = 0.2", "screening_treshold = 0.2")
    text = text.replace('kind = "survival"', 'kind = "survivall"', 1)
    text = text.replace('analysis = "os_km"', 'analysis = "os_kmm"', 1)
    with pytest.raises(PlanError) as err:
        load_plan(text)
    problems = err.value.problems
    lines = text.splitlines()
    assert [p.split(":")[1].strip() for p in problems] == [
        "settings.screening_treshold",
        "analyses[2].kind",
        "analyses[11].covariates[0]",
        "headline.os_5y.analysis",
    ]
    for p, key in zip(
        problems, ["screening_treshold", "kind", "covariates", "analysis"], strict=True
    ):
        number = int(re.match(r"line (\d+):", p).group(1))
        assert lines[number - 1].startswith(key)
    assert "(did you mean 'bca_loss'?)" in problems[2]
    assert "(did you mean 'screening_threshold'?)" in problems[0]
    assert "(did you mean 'survival'?)" in problems[1]
    assert "(did you mean 'os_km'?)" in problems[3]


def test_known_vocabulary_includes_every_adsl_column():
    text = HEAD + '[[analyses]]\nid = "a"\nkind = "baseline"\ntitle = "t"\nvariables = [{}]\n'
    names = ", ".join(f'"{c}"' for c in ADSL_COLUMNS)
    plan = load_plan(text.format(names))
    assert plan.analyses[0].variables == ADSL_COLUMNS


def test_validate_plan_checks_python_built_plans():
    bad = Plan(name="p", analyses=(Survival(id="a", title="t", endpoint="XX"),))
    with pytest.raises(PlanError, match=r"analyses\[0\]\.endpoint: 'XX' is not an endpoint"):
        validate_plan(bad)
    with pytest.raises(PlanError, match="expected a Plan"):
        validate_plan({"name": "p"})
    good = Plan(name="p", analyses=(Survival(id="a", title="t", endpoint="OS"),))
    assert validate_plan(good) == good


def test_toml_writer_output_reads_back():
    doc = {"a": 1, "b": [1.5, "x"], "t": {"k y": True}, "arr": [{"m": [{"n": "v"}]}]}
    assert tomllib.loads(_toml.dumps(doc)) == {
        "a": 1,
        "b": [1.5, "x"],
        "t": {"k y": True},
        "arr": [{"m": [{"n": "v"}]}],
    }
    assert _toml.value(float("-inf")) == "-inf"
    with pytest.raises(TypeError):
        _toml.value(None)


def test_docs_list_every_default_analysis_and_their_example_loads():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "plan.md").read_text(encoding="utf-8")
    plan = default_plan()
    for a in plan.analyses:
        assert f"| `{a.id}` | {a.kind} | {a.title} | {a.source} |" in doc
    for d in plan.derived:
        assert f"| `{d.name}` |" in doc
    example = doc.split("Example:\n\n```toml\n")[1].split("```")[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mine = load_plan(example)
    assert [a.id for a in mine.analyses] == ["os_by_age", "crs_models"]
    assert mine.settings.time_points_years == (1.0, 2.0)


def test_path_or_text(tmp_path):
    odd = tmp_path / "a=b.toml"
    odd.write_text(plan_to_toml(default_plan()), encoding="utf-8")
    assert load_plan(str(odd)) == default_plan()
    with pytest.raises(PlanError, match="cannot read the plan file"):
        load_plan("no\x00such.toml")
    (msg,) = _problems('name = "x"')
    assert msg.startswith("analyses: must be a non-empty array")
    with pytest.raises(PlanError, match="give a path or TOML text, got int"):
        load_plan(3)


def test_log10_rule_takes_one_source_and_no_value():
    base = (
        '[[analyses]]\nid = "a"\nkind = "cox"\ntitle = "t"\nendpoint = "OS"\ncovariates = ["lc"]\n'
    )
    good = 'name = "p"\n[[derived]]\nname = "lc"\nfrom = "cmax"\nrule = "log10"\n' + base
    plan = load_plan(good)
    assert plan.derived[0].rule == "log10" and plan.derived[0].value is None
    assert load_plan(plan_to_toml(plan)) == plan
    bad = (
        'name = "p"\n[[derived]]\nname = "lc"\nfrom = ["cmax", "clast"]\n'
        'rule = "log10"\nvalue = 2\n' + base
    )
    assert set(_problems(bad)) == {
        "derived[0].value: rule 'log10' takes no value",
        "derived[0].from: rule 'log10' transforms exactly one numeric variable",
    }


def test_a_derived_variable_without_a_name_is_a_plan_error_not_a_crash():
    # its name (None) was among the names offered as "did you mean", which crashed difflib
    from cartkit.plan.plan import plan_from_dict

    doc = tomllib.loads(default_plan_toml())
    doc["derived"] = [{}]
    with pytest.raises(PlanError) as err:
        plan_from_dict(doc)
    assert "derived[0].name: must be a string, got None (NoneType)" in err.value.problems
