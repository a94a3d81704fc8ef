"""The knobs of a virtual cohort, in one frozen dataclass whose defaults are the published study."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, fields

from ..errors import DataError

#: Genetic lesions of the NCCN 2024 pediatric B-ALL risk list: (name, NCCN risk class).
#: The class is ``"standard"`` or ``"poor"``; the risk group of a patient is ``poor`` when any
#: poor lesion is present, else ``standard`` when a standard one is, else ``unclassified``.
#: BCR::ABL1 is standard risk unless IKZF1plus (itself poor risk) comes with it.
LESIONS: tuple[tuple[str, str], ...] = (
    ("ETV6::RUNX1", "standard"),
    ("hyperdiploidy", "standard"),
    ("BCR::ABL1", "standard"),
    ("BCR::ABL1-like", "poor"),
    ("KMT2A", "poor"),
    ("IKZF1plus", "poor"),
    ("iAMP21", "poor"),
    ("TCF3::HLF", "poor"),
    ("hypodiploidy", "poor"),
)


@dataclass(frozen=True)
class Scenario:
    """Every knob of the virtual cohort; the defaults reproduce the published study.

    Change knobs with :func:`dataclasses.replace`, e.g.
    ``replace(Scenario(), crs_cutpoints=(0.0, 0.9, 1.3, 2.0))``. Probabilities are fractions;
    times are days from infusion unless the name says otherwise; ``*_sd_log`` is the standard
    deviation of a log-normal on the natural-log scale (between-patient variability). See
    docs/simulation.md for the mechanisms and the calibration of each knob.

    Attributes are grouped by component: patients, kinetics, response and B cells, toxicity
    (CRS, ICANS, laboratory values, infections, drugs) and outcomes (relapse, HSCT, death,
    follow-up).
    """

    # --- patients ------------------------------------------------------------------------
    p_male: float = 27 / 50
    age_range: tuple[float, float] = (1.0, 18.0)
    p_age_le_10: float = 29 / 50
    #: probabilities of mrd_reemergence / mrd_persistent / chemo_intolerance
    p_indication: tuple[float, float, float] = (41 / 50, 2 / 50, 7 / 50)
    p_prior_hsct: float = 5 / 50
    p_prior_cart: float = 2 / 50
    dose_median: float = 3.68
    dose_sd_log: float = 0.40
    dose_range: tuple[float, float] = (0.05, 6.33)
    diagnosis_months_median: float = 15.8
    diagnosis_months_sd_log: float = 0.8
    diagnosis_months_range: tuple[float, float] = (1.5, 132.0)
    #: probabilities of pre-LD MRD <1e-4 / 1e-4–1e-3 / 1e-3–1e-2 / >=1e-2
    p_mrd_bins: tuple[float, float, float, float] = (14 / 50, 15 / 50, 16 / 50, 5 / 50)
    #: share of the lowest bin that is undetectable (reported as 0)
    p_mrd_undetectable: float = 0.4
    #: lymphodepletion shifts log10 MRD by N(mean, sd) from pre-LD to post-LD
    ld_log10_mrd_shift: tuple[float, float] = (-0.45, 0.7)
    #: probability of each lesion of LESIONS, in the same order
    p_lesions: tuple[float, ...] = (0.12, 0.10, 0.12, 0.08, 0.06, 0.10, 0.03, 0.01, 0.02)

    # --- kinetics (Stein et al. 2019 expansion / biphasic contraction) ----------------------
    cmax_median: float = 42_000.0
    cmax_sd_log: float = 1.45
    #: change of log Cmax per log10 of pre-LD MRD (tumour burden) and per log of dose
    cmax_per_log10_mrd: float = 0.12
    cmax_per_log_dose: float = 0.10
    tmax_median: float = 9.3
    tmax_sd_log: float = 0.33
    tmax_range: tuple[float, float] = (3.0, 21.0)
    fold_expansion_median: float = 3900.0
    fold_expansion_sd_log: float = 1.55
    alpha_median: float = 0.16
    alpha_sd_log: float = 0.6
    fb_median: float = 0.006
    fb_sd_log: float = 0.9
    beta_median: float = 0.0032
    beta_sd_log: float = 0.9
    residual_sd_log: float = 0.45
    lloq: float = 100.0
    #: nominal sampling days; after the last one, every ``kinetics_late_interval`` days
    kinetics_days: tuple[float, ...] = (0, 4, 7, 10, 14, 21, 28, 84, 182, 273, 378, 728)
    kinetics_late_interval: float = 182.0
    kinetics_end_day: float = 1826.25
    #: visit jitter (+- whole days) up to day 28 and after it
    jitter_early: int = 1
    jitter_late: int = 7
    p_missed_visit: float = 0.08
    #: conditioning for HSCT ablates CAR-T cells: levels after HSCT are multiplied by this
    hsct_cart_factor: float = 1e-3

    # --- response and B cells ---------------------------------------------------------------
    #: P(CR) and P(MRD-negative CR) are logistic in log10 Cmax, centred at these log10 values
    response_log10_cmax_cr: float = 2.9
    response_log10_cmax_mrdneg: float = 3.15
    response_slope: float = 3.5
    #: B-cell aplasia lasts while CAR-T level exceeds a patient's functional threshold, plus a lag
    bca_threshold_median: float = 1300.0
    bca_threshold_sd_log: float = 1.1
    bca_lag_median: float = 32.0
    bca_lag_sd_log: float = 0.35
    bca_onset_range: tuple[float, float] = (1.0, 20.0)
    #: B cells as % of lymphocytes outside aplasia (log-normal median, sd_log)
    bcell_pct_lym_median: float = 12.0
    bcell_pct_lym_sd_log: float = 0.5

    # --- toxicity ---------------------------------------------------------------------------
    #: ordinal probit: P(grade >= k) = Phi(lp - cutpoint_k), k = 1..4
    crs_cutpoints: tuple[float, float, float, float] = (-0.05, 0.75, 1.63, 2.4)
    crs_effect_mrd_high: float = 0.75
    crs_effect_dose_high: float = 0.35
    crs_effect_log10_cmax: float = 0.35
    #: ICANS: P(grade >= k) = Phi(lp - cutpoint_k)
    icans_cutpoints: tuple[float, float, float, float] = (2.3, 2.85, 3.3, 4.0)
    icans_effect_crs_grade: float = 0.45
    icans_effect_mrd_high: float = 0.4
    icans_ice_min_age: float = 12.0
    assessment_days: int = 28
    il6_baseline_median: float = 4.0
    #: median IL-6 peak (pg/mL) by CRS grade 0..4
    il6_peak_by_grade: tuple[float, ...] = (7.5, 28.0, 75.0, 380.0, 1800.0)
    il6_peak_sd_log: float = 0.8
    anc_baseline_median: float = 1.8
    anc_nadir_median: float = 0.545
    anc_nadir_sd_log: float = 0.75
    anc_nadir_range: tuple[float, float] = (0.02, 1.6)
    #: infections in the first 4 weeks: logistic intercept, effect of grade 4 neutropenia
    infection_logit: float = -1.8
    infection_effect_neutropenia: float = 0.6
    #: bacterial / viral / fungal
    p_infection_category: tuple[float, float, float] = (4 / 9, 3 / 9, 2 / 9)
    p_infection_fatal: float = 0.03
    #: HLH in patients with grade >= 3 CRS and pre-LD MRD >= 1e-2
    p_hlh_given_risk: float = 0.5
    #: tocilizumab probability by CRS grade 0..4
    p_tocilizumab_by_grade: tuple[float, ...] = (0.0, 0.04, 0.5, 0.85, 1.0)
    #: corticosteroids: logistic intercept and effects
    steroid_logit: float = -2.55
    steroid_effect_crs3: float = 1.9
    steroid_effect_icans2: float = 2.0
    steroid_effect_log10_cmax: float = 0.6

    # --- outcomes ---------------------------------------------------------------------------
    infusion_start: dt.date = dt.date(2017, 6, 1)
    infusion_end: dt.date = dt.date(2021, 3, 31)
    data_cutoff: dt.date = dt.date(2025, 6, 30)
    #: last contact of a patient alive at cut-off is up to this many days before it
    last_contact_lag_max: float = 150.0
    p_lost_to_follow_up: float = 0.05
    #: CD19-negative relapse: promotion-time cure model from infusion
    cd19neg_cum_hazard: float = 0.22
    cd19neg_median_days: float = 175.0
    cd19neg_sd_log: float = 0.45
    cd19neg_per_log10_mrd: float = 0.3
    #: log hazard ratio of girls, for both relapse types
    relapse_log_hr_female: float = -1.4
    #: CD19-positive relapse: promotion-time cure model from B-cell recovery (loss of CAR-T control)
    cd19pos_cum_hazard: float = 6.6
    cd19pos_median_days: float = 510.0
    cd19pos_sd_log: float = 0.55
    cd19pos_log_hr_per_bca_month: float = -1.1
    cd19pos_log_hr_mrd_positive_cr: float = 1.5
    #: after HSCT, relapse hazards are multiplied by this
    hsct_relapse_hr: float = 0.45
    #: HSCT: logistic intercept and effects; timing log-normal from infusion
    hsct_logit: float = 0.2
    hsct_effect_prior_hsct: float = -1.5
    hsct_effect_early_b_recovery: float = 1.0
    hsct_effect_mrd_high: float = 0.4
    hsct_median_days: float = 79.0
    hsct_sd_log: float = 0.35
    hsct_range_days: tuple[float, float] = (40.0, 275.0)
    #: transplant-related mortality among transplanted patients, time after HSCT
    p_transplant_death: float = 0.035
    transplant_death_median_days: float = 150.0
    transplant_death_sd_log: float = 0.8
    #: death after relapse and its timing after relapse
    p_death_after_relapse: float = 0.78
    relapse_death_median_days: float = 300.0
    relapse_death_sd_log: float = 0.8

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            number = isinstance(value, int | float) and not isinstance(value, bool)
            if f.name.startswith("p_") and number and not 0.0 <= value <= 1.0:
                raise DataError(f"Scenario.{f.name} must be a probability in [0, 1], got {value}")
            if f.name.startswith("p_") and isinstance(value, tuple):
                bad = [v for v in value if not 0.0 <= v <= 1.0]
                if bad:
                    raise DataError(f"Scenario.{f.name} holds values outside [0, 1]: {bad}")
        for name in ("p_indication", "p_mrd_bins", "p_infection_category"):
            total = sum(getattr(self, name))
            if abs(total - 1.0) > 1e-9:
                raise DataError(f"Scenario.{name} must sum to 1, sums to {total}")
        if len(self.p_lesions) != len(LESIONS):
            raise DataError(
                f"Scenario.p_lesions needs one probability per lesion of LESIONS "
                f"({len(LESIONS)}), got {len(self.p_lesions)}"
            )
        for name in ("crs_cutpoints", "icans_cutpoints"):
            cuts = getattr(self, name)
            if len(cuts) != 4 or any(b < a for a, b in itertools.pairwise(cuts)):
                raise DataError(f"Scenario.{name} must be 4 non-decreasing cut-points, got {cuts}")
        lo, hi = self.age_range
        if (
            not 0 <= lo <= hi
            or (lo > 10 and self.p_age_le_10 > 0)
            or (hi <= 10 and self.p_age_le_10 < 1)
        ):
            raise DataError(
                f"Scenario.age_range {self.age_range} does not fit p_age_le_10 "
                f"{self.p_age_le_10}: ages <= 10 need a range reaching 10 or below, older ones "
                "a range above 10"
            )
        if not self.infusion_start <= self.infusion_end < self.data_cutoff:
            raise DataError("Scenario needs infusion_start <= infusion_end < data_cutoff")
        if self.lloq <= 0:
            raise DataError(f"Scenario.lloq must be > 0, got {self.lloq}")
