"""The built-in plan: every analysis of the published study, as TOML text.

It covers the Methods, Tables 1-3, Figures 1-2, Supplementary Tables S1-S4 and Figures S1-S3.

It lives in a Python module rather than a ``.toml`` file because the package data of the
distribution only ships the example study; :func:`default_plan` parses it with ``tomllib`` and
validates it like any user plan.
"""

from __future__ import annotations

from functools import cache

from .plan import plan_from_dict
from .schema import Plan

__all__ = ["DEFAULT_PLAN_TOML", "default_plan"]

_TABLE3_SUBGROUPS = """[
  "age_over_10", "sex", "prior_hsct", "prior_cart",
  "pre_ld_mrd_below_1e4", "pre_ld_mrd_below_1e3", "pre_ld_mrd_below_1e2",
  "post_ld_mrd_below_1e4", "post_ld_mrd_below_1e3", "post_ld_mrd_below_1e2",
  "dose_below_median", "crs_grade3plus", "icans_any", "grade4_neutropenia",
  "tocilizumab", "corticosteroid", "mrd_negative_cr_d28",
]"""

_SURVIVAL_CANDIDATES = """[
  "age_years", "female", "risk_group", "no_prior_hsct", "no_prior_cart",
  "pre_ld_mrd_below_1e4", "mrd_high_pre_or_post", "cart_dose_e6_per_kg",
  "mrd_negative_cr_d28", "crs_grade3plus", "icans_any", "grade4_neutropenia",
  "hsct_after_cart", "bca_duration_days", "cmax",
]"""

_TOXICITY_CANDIDATES = """[
  "age_years", "female", "risk_group", "no_prior_hsct", "no_prior_cart",
  "pre_ld_mrd_below_1e3", "post_ld_mrd_below_1e3", "mrd_high_pre_or_post",
  "dose_below_median",
]"""


_SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _mrd_cuts() -> str:
    rows = []
    for when in ("pre_ld", "post_ld"):
        for exp in (4, 3, 2):
            label = when.replace("_ld", "-LD").replace("p", "P", 1)
            power = "10⁻" + str(exp).translate(_SUP)
            rows.append(
                f'[[derived]]\nname = "{when}_mrd_below_1e{exp}"\nfrom = ["{when}_mrd"]\n'
                f'rule = "below"\nvalue = 1e-{exp}\n'
                f'description = "{label} MRD < {power}"\n'
            )
    return "\n".join(rows)


def _figure1() -> str:
    rows = []
    panels = (("os", "OS", "A/C"), ("lfs", "LFS", "B/D"))
    for when, label in (("preld", "pre-LD"), ("postld", "post-LD")):
        stratum = "pre_ld_mrd_below_1e4" if when == "preld" else "post_ld_mrd_below_1e4"
        if when == "preld":

            def source(panel):
                return f"Figure 1{panel}; Results, HSCT and tumor burden"

        else:

            def source(panel):
                return "Results, HSCT and tumor burden (post-LD MRD < 10⁻⁴)"

        for short, endpoint, panel in panels:
            rows.append(
                f'[[analyses]]\nid = "figure1_{short}_by_hsct_{when}"\nkind = "survival"\n'
                f'title = "{endpoint} with and without HSCT after CAR-T, within {label} MRD '
                f'< 10⁻⁴ and ≥ 10⁻⁴"\n'
                f'source = "{source(panel)}"\n'
                f'endpoint = "{endpoint}"\ngroup = "hsct_after_cart"\nsubgroup = "{stratum}"\n'
                "time_points_years = [5.0]\n"
            )
    return "\n".join(rows)


DEFAULT_PLAN_TOML = f"""\
name = "CD19 CAR-T in pediatric B-ALL with MRD positivity or chemotherapy intolerance"
version = "1"

[settings]
conf_level = 0.95
alpha = 0.05
km_conf_type = "log-log"
screening_threshold = 0.2
cox_ties = "efron"
nca_window = [0.0, 28.0]
lloq = 100.0
auc_method = "lin-up/log-down"
time_points_years = [1.0, 3.0, 5.0]
ae_window_days = 28.0

[[derived]]
name = "no_prior_hsct"
from = ["prior_hsct"]
rule = "not"
description = "No HSCT history"

[[derived]]
name = "no_prior_cart"
from = ["prior_cart"]
rule = "not"
description = "No CAR-T history"

[[derived]]
name = "no_hsct_after_cart"
from = ["hsct_after_cart"]
rule = "not"
description = "Not bridged to HSCT"

[[derived]]
name = "age_over_10"
from = ["age_years"]
rule = "above"
value = 10.0
description = "Age > 10 years"

[[derived]]
name = "dose_below_median"
from = ["cart_dose_e6_per_kg"]
rule = "below"
value = "median"
description = "CAR-T dose below the median"

{_mrd_cuts()}
[[derived]]
name = "mrd_high_pre_or_post"
from = ["pre_ld_mrd", "post_ld_mrd"]
rule = "at_least"
value = 1e-3
combine = "any"
description = "MRD ≥ 10⁻³ pre- or post-LD"

[[derived]]
name = "crs_any"
from = ["crs_max_grade"]
rule = "at_least"
value = 1.0
description = "CRS, any grade"

[[derived]]
name = "crs_grade3plus"
from = ["crs_max_grade"]
rule = "at_least"
value = 3.0
description = "CRS grade ≥ 3"

[[derived]]
name = "icans_any"
from = ["icans_max_grade"]
rule = "at_least"
value = 1.0
description = "ICANS, any grade"

[[derived]]
name = "grade4_neutropenia"
from = ["neutropenia_max_grade"]
rule = "at_least"
value = 4.0
description = "Grade 4 neutropenia within 4 weeks"

[[derived]]
name = "il6_elevated"
from = ["il6_peak"]
rule = "at_least"
value = 7.0
description = "IL-6 ≥ 7 pg/mL (upper normal limit) after infusion"

[[derived]]
name = "expanded"
from = ["cmax"]
rule = "at_least"
value = 100.0
description = "CAR-T expansion (Cmax ≥ LLOQ)"

[[analyses]]
id = "s1_baseline"
kind = "baseline"
title = "Baseline characteristics"
source = "Supplementary Table S1; Results, Patient characteristics"
variables = ["age_years", "sex", "indication", "risk_group", "prior_hsct", "prior_cart",
  "cart_dose_e6_per_kg", "diagnosis_to_infusion_months", "pre_ld_mrd_category",
  "post_ld_mrd_category"]

[[analyses]]
id = "response_d28"
kind = "rates"
title = "Day-28 CR/CRi and MRD-negative CR/CRi"
source = "Results, Efficacy; Abstract"
variables = ["responder_d28", "mrd_negative_cr_d28"]
missing = "failure"

[[analyses]]
id = "os_km"
kind = "survival"
title = "Overall survival"
source = "Results, Efficacy (5-year OS 74.9%); median follow-up 68.7 months"
endpoint = "OS"
time_points_years = [5.0]
follow_up = true

[[analyses]]
id = "follow_up_observed"
kind = "baseline"
title = "Observed follow-up after infusion"
source = "Results, Patient characteristics (median 68.7 months, range 5.9-97.5)"
variables = ["follow_up_months"]

[[analyses]]
id = "lfs_km"
kind = "survival"
title = "Leukemia-free survival"
source = "Results, Efficacy (5-year LFS 67.8%)"
endpoint = "LFS"
time_points_years = [5.0]

[[analyses]]
id = "relapse_summary"
kind = "event_summary"
title = "Relapses: number and time from infusion, by CD19 phenotype"
source = "Results, Efficacy"
event = "relapse"
time = "relapse_day"
by = "relapse_phenotype"

[[analyses]]
id = "hsct_bridging"
kind = "event_summary"
title = "Bridging to allo-HSCT after CAR-T and its interval"
source = "Results, Efficacy"
event = "hsct_after_cart"
time = "hsct_day"

[[analyses]]
id = "cir_nrm"
kind = "cumulative_incidence"
title = "Cumulative incidence of relapse with competing non-relapse mortality"
source = "Methods, Statistical analyses (CIR in R)"
endpoint = "CIR"

[[analyses]]
id = "cir_by_hsct"
kind = "cumulative_incidence"
title = "Cumulative incidence of relapse by HSCT after CAR-T (Gray's test)"
source = "Methods, Statistical analyses; Discussion"
endpoint = "CIR"
group = "hsct_after_cart"

[[analyses]]
id = "s2_lfs_cox_screening"
kind = "cox_screening"
title = "Univariate Cox for LFS and the multivariable model of p < 0.2"
source = "Supplementary Table S2; Table 1A"
endpoint = "LFS"
candidates = {_SURVIVAL_CANDIDATES}

[[analyses]]
id = "s2_os_cox_screening"
kind = "cox_screening"
title = "Univariate Cox for OS and the multivariable model of p < 0.2"
source = "Supplementary Table S2; Table 1B"
endpoint = "OS"
candidates = {_SURVIVAL_CANDIDATES}

[[analyses]]
id = "table1a_lfs_multivariable"
kind = "cox"
title = "Multivariable analysis of LFS"
source = "Table 1A"
endpoint = "LFS"
covariates = ["bca_duration_days", "female", "mrd_negative_cr_d28"]

[[analyses]]
id = "table1b_os_multivariable"
kind = "cox"
title = "Multivariable analysis of OS"
source = "Table 1B"
endpoint = "OS"
covariates = ["no_prior_cart", "grade4_neutropenia", "crs_grade3plus", "icans_any",
  "hsct_after_cart", "bca_duration_days"]

{_figure1()}
[[analyses]]
id = "nrm_by_hsct_preld"
kind = "cumulative_incidence"
title = "Non-relapse mortality with and without HSCT, within pre-LD MRD < 10⁻⁴ and ≥ 10⁻⁴"
source = "Results, HSCT and tumor burden (NRM 15.4% vs 0%)"
endpoint = "NRM"
group = "hsct_after_cart"
subgroup = "pre_ld_mrd_below_1e4"
time_points_years = [5.0]

[[analyses]]
id = "sfig_s1_mrd_high_no_hsct"
kind = "survival"
title = "OS by pre-LD MRD ≥ 10⁻² in patients not bridged to HSCT"
source = "Supplementary Figure S1"
population = "no_hsct_after_cart"
endpoint = "OS"
group = "pre_ld_mrd_below_1e2"
time_points_years = [5.0]

[[analyses]]
id = "sfig_s1_mrd_high_no_hsct_lfs"
kind = "survival"
title = "LFS by pre-LD MRD ≥ 10⁻² in patients not bridged to HSCT"
source = "Supplementary Figure S1"
population = "no_hsct_after_cart"
endpoint = "LFS"
group = "pre_ld_mrd_below_1e2"
time_points_years = [5.0]

[[analyses]]
id = "sfig_s2_os_by_risk"
kind = "survival"
title = "OS by genetic risk group"
source = "Supplementary Figure S2"
endpoint = "OS"
group = "risk_group"
time_points_years = [5.0]

[[analyses]]
id = "sfig_s2_lfs_by_risk"
kind = "survival"
title = "LFS by genetic risk group"
source = "Supplementary Figure S2"
endpoint = "LFS"
group = "risk_group"
time_points_years = [5.0]

[[analyses]]
id = "s3_adverse_events"
kind = "rates"
title = "Adverse events within 4 weeks of infusion"
source = "Supplementary Table S3; Results, Safety"
variables = ["crs_any", "crs_grade3plus", "icans_any", "grade4_neutropenia", "infection_4w",
  "infection_bacterial_4w", "infection_viral_4w", "infection_fungal_4w", "hlh", "gvhd",
  "tocilizumab", "corticosteroid"]

[[analyses]]
id = "s3_anc_nadir"
kind = "baseline"
title = "Nadir absolute neutrophil count within 4 weeks"
source = "Supplementary Table S3; Results, Safety"
variables = ["anc_nadir"]

[[analyses]]
id = "table2_crs_grade3_logistic"
kind = "logistic_screening"
title = "Univariate screening (p < 0.2) and multivariable models of grade ≥ 3 CRS"
source = "Table 2"
outcome = "crs_grade3plus"
candidates = {_TOXICITY_CANDIDATES}
method = "ml"
ci = "wald"
screened_model = false
models = [
  {{name = "Model 1", covariates = ["female", "no_prior_hsct", "pre_ld_mrd_below_1e3",
    "dose_below_median"]}},
  {{name = "Model 2", covariates = ["female", "no_prior_hsct", "post_ld_mrd_below_1e3",
    "dose_below_median"]}},
]

[[analyses]]
id = "s4_icans_logistic"
kind = "logistic_screening"
title = "Univariate logistic regression of ICANS (multivariable precluded: 5 events)"
source = "Supplementary Table S4"
outcome = "icans_any"
candidates = {_TOXICITY_CANDIDATES}
method = "ml"
ci = "wald"
screened_model = false

[[analyses]]
id = "il6_summary"
kind = "rates"
title = "IL-6 elevation after infusion"
source = "Results, Safety (78%)"
variables = ["il6_elevated"]

[[analyses]]
id = "il6_peak_summary"
kind = "baseline"
title = "Peak IL-6 and its day"
source = "Results, Safety (median 33.3 pg/mL on day 8)"
variables = ["il6_peak", "il6_peak_day"]

[[analyses]]
id = "il6_odds_ratios"
kind = "threshold_or"
title = "Elevated IL-6 and severe CRS or ICANS"
source = "Results, Safety (OR 5.250 and 9.000)"
marker = "il6_peak"
threshold = 7.0
outcomes = ["crs_grade3plus", "icans_any"]

[[analyses]]
id = "kinetics_overall"
kind = "kinetics"
title = "CAR-T kinetic parameters"
source = "Results, PK of CAR-T cells (median Cmax 30,860; Tmax 10.5 d)"
parameters = ["cmax", "tmax", "auc_window", "tlast"]

[[analyses]]
id = "kinetics_expansion"
kind = "rates"
title = "CAR-T expansion in vivo"
source = "Results, PK of CAR-T cells (98%)"
variables = ["expanded"]

[[analyses]]
id = "table3_kinetics_by_subgroup"
kind = "kinetics"
title = "Clinical determinants of PB CD19 CAR-T kinetics (qPCR)"
source = "Table 3"
parameters = ["cmax", "auc_window", "tlast"]
subgroups = {_TABLE3_SUBGROUPS}
summary = "median"
test = "mann_whitney"

[[analyses]]
id = "kinetics_by_mrd_cr_geomean"
kind = "compare"
title = "Geometric mean Cmax and AUC0-28d by day-28 MRD-negative CR"
source = "Results, PK of CAR-T cells (319,016 vs 863; p = 0.017)"
variables = ["cmax", "auc_window", "tlast"]
group = "mrd_negative_cr_d28"
summary = "geometric_mean"

[[analyses]]
id = "persistence_by_mrd_cr"
kind = "survival"
title = "CAR-T persistence by day-28 MRD-negative CR"
source = "Results, PK of CAR-T cells (p = 0.030)"
endpoint = "PERSIST"
group = "mrd_negative_cr_d28"

[[analyses]]
id = "bca_summary"
kind = "rates"
title = "B-cell aplasia"
source = "Results, BCA (96%)"
variables = ["bca"]

[[analyses]]
id = "bca_timing"
kind = "baseline"
title = "Onset and duration of B-cell aplasia"
source = "Results, BCA (median duration 59 days)"
variables = ["bca_onset_day", "bca_duration_days"]

[[analyses]]
id = "figure2_bca_correlations"
kind = "correlation"
title = "B-cell aplasia duration and CAR-T kinetic parameters"
source = "Figure 2"
pairs = [["cmax", "bca_duration_days"], ["auc_window", "bca_duration_days"],
  ["tlast", "bca_duration_days"]]
method = "auto"

[[analyses]]
id = "sfig_s3_expansion_persistence"
kind = "correlation"
title = "CAR-T expansion and persistence"
source = "Supplementary Figure S3 (Cmax r = 0.349; AUC0-28d r = 0.313)"
pairs = [["cmax", "tlast"], ["auc_window", "tlast"]]
method = "auto"
"""


@cache
def default_plan() -> Plan:
    """The published study's analysis plan (see docs/plan.md for every analysis and its source).

    Returns
    -------
    Plan
        Parsed from :data:`DEFAULT_PLAN_TOML` and validated.
    """
    import tomllib

    return plan_from_dict(tomllib.loads(DEFAULT_PLAN_TOML), source="the default plan")
