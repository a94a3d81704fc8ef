"""Printed names of the variables a plan can name, and of the levels of boolean variables."""

from __future__ import annotations

from ..plan.schema import DerivedVariable

__all__ = ["LABELS", "variable_labels"]

#: printed name of each ADSL and runner variable
LABELS = {
    "sex": "Sex",
    "female": "Female",
    "age_years": "Age, years",
    "indication": "Indication",
    "prior_hsct": "Prior HSCT",
    "prior_cart": "Prior CAR-T",
    "cart_dose_e6_per_kg": "CAR-T dose, 10⁶/kg",
    "diagnosis_to_infusion_months": "Diagnosis to infusion, months",
    "genetic_lesions": "Genetic lesions",
    "risk_group": "Genetic risk group",
    "pre_ld_mrd": "Pre-LD MRD",
    "pre_ld_mrd_category": "Pre-LD MRD",
    "post_ld_mrd": "Post-LD MRD",
    "post_ld_mrd_category": "Post-LD MRD",
    "response_d28": "Day-28 response",
    "responder_d28": "Day-28 CR/CRi",
    "d28_mrd": "Day-28 MRD",
    "mrd_negative_cr_d28": "Day-28 MRD-negative CR/CRi",
    "bca": "B-cell aplasia",
    "bca_onset_day": "BCA onset, day",
    "bca_duration_days": "BCA duration, days",
    "bca_loss": "Loss of BCA",
    "hsct_after_cart": "HSCT after CAR-T",
    "hsct_day": "HSCT, day after infusion",
    "relapse": "Relapse",
    "relapse_day": "Relapse, day after infusion",
    "relapse_phenotype": "Relapse phenotype",
    "death": "Death",
    "death_day": "Death, day after infusion",
    "death_cause": "Cause of death",
    "last_contact_day": "Last contact, day",
    "follow_up_days": "Follow-up, days",
    "follow_up_months": "Follow-up, months",
    "crs_max_grade": "CRS, highest grade",
    "icans_max_grade": "ICANS, highest grade",
    "tocilizumab": "Tocilizumab",
    "corticosteroid": "Corticosteroids",
    "neutropenia_max_grade": "Neutropenia, highest grade",
    "anc_nadir": "ANC nadir, 10⁹/L",
    "infection_4w": "Infection",
    "infection_bacterial_4w": "Bacterial infection",
    "infection_viral_4w": "Viral infection",
    "infection_fungal_4w": "Fungal infection",
    "hlh": "HLH",
    "gvhd": "GVHD",
    "il6_peak": "Peak IL-6, pg/mL",
    "il6_peak_day": "Day of peak IL-6",
    "cmax": "Cmax, copies/µg DNA",
    "tmax": "Tmax, days",
    "tlast": "Tlast, days",
    "clast": "Clast, copies/µg DNA",
    "auc_window": "AUC0–28d, copies/µg DNA × day",
    "auclast": "AUClast, copies/µg DNA × day",
    "half_life": "Half-life, days",
}

_MRD_LEVELS = {
    "<1e-4": "< 10⁻⁴",
    "1e-4 to <1e-3": "10⁻⁴ to < 10⁻³",
    "1e-3 to <1e-2": "10⁻³ to < 10⁻²",
    ">=1e-2": "≥ 10⁻²",
}

#: printed names of the levels of boolean and coded variables
LEVEL_LABELS = {
    "female": {True: "Female", False: "Male"},
    "sex": {"F": "Female", "M": "Male"},
    "hsct_after_cart": {True: "HSCT", False: "No HSCT"},
    "prior_hsct": {True: "Prior HSCT", False: "No prior HSCT"},
    "prior_cart": {True: "Prior CAR-T", False: "No prior CAR-T"},
    "mrd_negative_cr_d28": {True: "MRD-negative CR/CRi", False: "No MRD-negative CR/CRi"},
    "responder_d28": {True: "CR/CRi", False: "No CR/CRi"},
    "tocilizumab": {True: "Tocilizumab", False: "No tocilizumab"},
    "corticosteroid": {True: "Corticosteroids", False: "No corticosteroids"},
    "pre_ld_mrd_category": _MRD_LEVELS,
    "post_ld_mrd_category": _MRD_LEVELS,
    "relapse_phenotype": {"cd19_negative": "CD19-negative", "cd19_positive": "CD19-positive"},
    "risk_group": {
        "standard": "Standard risk",
        "poor": "Poor risk",
        "unclassified": "Unclassified",
    },
    "indication": {
        "mrd_reemergence": "MRD re-emergence",
        "mrd_persistent": "MRD persistence",
        "chemo_intolerance": "Chemotherapy intolerance",
    },
}

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
_OPPOSITE = {"below": "≥", "at_most": ">", "above": "≤", "at_least": "<"}
_SYMBOL = {"below": "<", "at_most": "≤", "above": ">", "at_least": "≥"}


def _number(value) -> str:
    if value == "median":
        return "median"
    v = float(value)
    if v != 0 and (abs(v) <= 1e-2 or abs(v) >= 1e5):
        exp = int(f"{v:e}".split("e")[1])
        mant = v / 10**exp
        power = "10" + str(exp).translate(_SUPERSCRIPT)
        return power if abs(mant - 1) < 1e-12 else f"{mant:g}×{power}"
    return f"{v:g}"


def _derived_levels(var: DerivedVariable, labels: dict) -> dict:
    if var.rule in _SYMBOL and len(var.source) == 1:
        name = labels.get(var.source[0], var.source[0]).split(",")[0]
        cut = _number(var.value)
        return {
            True: f"{name} {_SYMBOL[var.rule]} {cut}",
            False: f"{name} {_OPPOSITE[var.rule]} {cut}",
        }
    if var.rule == "not" and len(var.source) == 1:
        src = LEVEL_LABELS.get(var.source[0])
        if src:
            return {True: src[False], False: src[True]}
    label = var.description or var.name
    return {True: label, False: f"Not: {label}"}


def variable_labels(derived: tuple[DerivedVariable, ...]) -> tuple[dict, dict]:
    """Labels and level labels of every variable, including the plan's derived ones."""
    labels = dict(LABELS)
    levels = {k: dict(v) for k, v in LEVEL_LABELS.items()}
    for var in derived:
        if var.rule == "log10":
            # "log10 Cmax, copies/µg DNA": the HR or OR is per 10-fold change
            source = labels.get(var.source[0], var.source[0])
            labels[var.name] = var.description or f"log10 {source}"
            continue
        labels[var.name] = var.description or var.name
        levels[var.name] = _derived_levels(var, labels)
    return labels, levels
