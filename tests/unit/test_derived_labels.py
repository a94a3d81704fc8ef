"""Printed names of derived variables' levels: as a clinician writes them, from the rule.

The levels come from the rule and the source's registry entry (a grade, a unit, coded level
names), never from the variable's name: a plan's own variable with any name reads the same.
"""

import pytest

from cartkit.derive.registry import labels_for
from cartkit.plan.default import default_plan
from cartkit.plan.schema import DerivedVariable


def _levels(*derived):
    names = labels_for(derived)
    return {d.name: (names.level_label(d.name, True), names.level_label(d.name, False))
            for d in derived}  # fmt: skip


@pytest.mark.parametrize(
    ("source", "rule", "value", "yes", "no"),
    [
        ("icans_max_grade", "at_least", 1.0, "ICANS, any grade", "No ICANS"),
        ("crs_max_grade", "at_least", 3.0, "CRS grade ≥ 3", "CRS grade 0–2"),
        ("crs_max_grade", "above", 2.0, "CRS grade ≥ 3", "CRS grade 0–2"),
        ("crs_max_grade", "below", 3.0, "CRS grade 0–2", "CRS grade ≥ 3"),
        ("crs_max_grade", "at_most", 0.0, "No CRS", "CRS, any grade"),
        ("icans_max_grade", "above", 1.0, "ICANS grade ≥ 2", "ICANS grade 0–1"),
        (
            "neutropenia_max_grade",
            "at_least",
            4.0,
            "Neutropenia grade ≥ 4",
            "Neutropenia grade 0–3",
        ),
        ("age_years", "above", 10.0, "Age > 10 years", "Age ≤ 10 years"),
        ("cmax", "at_least", 100.0, "Cmax ≥ 100 copies/µg DNA", "Cmax < 100 copies/µg DNA"),
        ("pre_ld_mrd", "below", 1e-4, "Pre-LD MRD < 10⁻⁴", "Pre-LD MRD ≥ 10⁻⁴"),
        ("cart_dose_e6_per_kg", "below", "median", "CAR-T dose < median", "CAR-T dose ≥ median"),
    ],
)
def test_threshold_levels_read_as_a_clinician_writes_them(source, rule, value, yes, no):
    # a name that says nothing: the labels must come from the rule and the registry
    var = DerivedVariable("v1", (source,), rule, value)
    assert _levels(var)["v1"] == (yes, no)


def test_no_level_reads_as_a_comparison_with_a_grade_number():
    levels = _levels(*default_plan().derived)
    assert levels["icans_any"] == ("ICANS, any grade", "No ICANS")
    assert levels["crs_grade3plus"] == ("CRS grade ≥ 3", "CRS grade 0–2")
    assert levels["grade4_neutropenia"] == ("Neutropenia grade ≥ 4", "Neutropenia grade 0–3")
    assert levels["crs_any"] == ("CRS, any grade", "No CRS")
    for _yes, no in levels.values():
        assert not no.endswith(("< 1", "< 3", "< 4")) and "Not:" not in no


def test_several_sources_and_coded_values_and_negation():
    got = _levels(
        DerivedVariable("hi", ("pre_ld_mrd", "post_ld_mrd"), "at_least", 1e-3, "any"),
        DerivedVariable("poor", ("risk_group",), "equals", "poor"),
        DerivedVariable("np", ("risk_group",), "in", ("poor", "unclassified")),
        DerivedVariable("no_inf", ("infection_4w",), "not"),
        DerivedVariable("no_hsct", ("prior_hsct",), "not"),
    )
    assert got["hi"] == ("Pre-LD MRD or post-LD MRD ≥ 10⁻³", "Pre-LD MRD and post-LD MRD < 10⁻³")
    assert got["poor"] == ("Poor risk", "Standard risk or unclassified")
    assert got["np"] == ("Poor risk or unclassified", "Standard risk")
    assert got["no_inf"] == ("No infection", "Infection")
    assert got["no_hsct"] == ("No prior HSCT", "Prior HSCT")


def test_a_derived_variable_without_description_is_labelled_by_its_true_level():
    names = labels_for([DerivedVariable("sev", ("crs_max_grade",), "at_least", 3.0)])
    assert names.label("sev") == "CRS grade ≥ 3"
    log = labels_for([DerivedVariable("lc", ("cmax",), "log10")])
    assert log.label("lc") == "Cmax, per 10-fold"


def test_a_yes_no_variable_without_level_names_reads_no_x():
    names = labels_for()
    assert names.level_label("hlh", True) == "HLH"
    assert names.level_label("hlh", False) == "No HLH"
    assert names.level_label("infection_bacterial_4w", False) == "No bacterial infection"


@pytest.mark.parametrize(
    ("source", "rule", "value", "header"),
    [
        ("age_years", "above", 10.0, "Age, cut-off 10 years"),
        ("pre_ld_mrd", "below", 1e-4, "Pre-LD MRD, cut-off 10⁻⁴"),
        ("cart_dose_e6_per_kg", "below", "median", "CAR-T dose, cut-off the median"),
        ("crs_max_grade", "at_least", 3.0, "CRS grade"),
        ("prior_hsct", "not", None, "Prior HSCT"),
    ],
)
def test_the_heading_above_the_levels_names_what_they_split(source, rule, value, header):
    names = labels_for([DerivedVariable("v1", (source,), rule, value, description="Whatever")])
    assert names.header("v1") == header
    assert names.label("v1") == "Whatever"  # the label itself is the plan's


def test_a_variable_without_a_rule_is_headed_by_its_label():
    names = labels_for([DerivedVariable("hi", ("pre_ld_mrd", "post_ld_mrd"), "at_least", 1e-3)])
    assert names.header("hi") == names.label("hi")
    assert names.header("risk_group") == "Genetic risk group"
