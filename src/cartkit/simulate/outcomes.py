"""Relapse, HSCT, death and follow-up, as competing mechanisms in continuous time.

Each relapse type follows a promotion-time cure model, H(t) = A * F(t), with F a log-normal
distribution function and A = A0 * exp(linear predictor), so P(ever) = 1 - exp(-A) and covariates
act proportionally on the hazard. CD19-negative relapse (antigen escape) runs from infusion;
CD19-positive relapse runs from the end of B-cell aplasia (loss of CAR-T surveillance), with lower
hazard for longer aplasia; girls have a lower hazard of both. After HSCT both hazards are
multiplied by ``hsct_relapse_hr``: with E ~ Exp(1), the relapse day solves H*(T) = E exactly.
HSCT has its own transplant-related mortality; relapse carries a risk of death; follow-up is
censored at the data cut-off (and for a few patients earlier, lost to follow-up).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit, ndtr, ndtri

from .response import MRD_POSITIVE_CR, NO_RESPONSE
from .scenario import Scenario

MONTH = 30.4375
EVENT_ORDER = np.array(["relapse", "hsct", "new_therapy", "death", "last_contact"], dtype=object)


class _CureModel:
    """H(t) = A * Phi((log(t - shift) - log(median)) / sd) for t > shift, else 0."""

    def __init__(self, total, median, sd, shift):
        self.total, self.mu, self.sd, self.shift = total, np.log(median), sd, shift

    def cum(self, t):
        lag = np.maximum(t - self.shift, 1e-12)
        return np.where(t > self.shift, self.total * ndtr((np.log(lag) - self.mu) / self.sd), 0.0)

    def inverse(self, h):
        total = np.broadcast_to(self.total, np.shape(h))
        # a total of 0 (aplasia of decades underflows the hazard) means never
        frac = np.clip(np.divide(h, total, out=np.ones(np.shape(h)), where=total > 0), 0.0, 1.0)
        with np.errstate(divide="ignore"):
            t = self.shift + np.exp(self.mu + self.sd * ndtri(frac))
        return np.where(h < self.total, t, np.inf)


def infusion_dates(rng: np.random.Generator, n: int, sc: Scenario) -> np.ndarray:
    """Infusion dates, uniform over the accrual period (numpy datetime64[D])."""
    start = np.datetime64(sc.infusion_start, "D")
    span = (np.datetime64(sc.infusion_end, "D") - start).astype(int)
    return start + np.floor(rng.random(n) * (span + 1)).astype("timedelta64[D]")


def simulate_outcomes(rng, base, resp, bca, infection_death_day, dates, sc: Scenario) -> dict:
    """Relapse, HSCT, death and last contact per patient (days; NaN when it does not happen)."""
    n = dates.shape[0]
    e = rng.exponential(size=(2, n))
    u = rng.random((8, n))
    z = rng.normal(size=(3, n))
    responder = resp["response"] != NO_RESPONSE

    has_bca = bca["has_bca"]
    onset = np.where(has_bca, bca["bca_onset"], 0.0)
    recovery = np.where(has_bca, bca["bca_recovery"], 0.0)
    bca_months = (recovery - onset) / MONTH
    neg = _CureModel(
        sc.cd19neg_cum_hazard
        * np.exp(
            sc.cd19neg_per_log10_mrd * (base["log10_mrd_pre"] + 3.0)
            + sc.relapse_log_hr_female * base["female"]
        ),
        sc.cd19neg_median_days,
        sc.cd19neg_sd_log,
        0.0,
    )
    pos = _CureModel(
        sc.cd19pos_cum_hazard
        * np.exp(
            sc.relapse_log_hr_female * base["female"]
            + sc.cd19pos_log_hr_per_bca_month * bca_months
            + sc.cd19pos_log_hr_mrd_positive_cr * (resp["response"] == MRD_POSITIVE_CR)
        ),
        sc.cd19pos_median_days,
        sc.cd19pos_sd_log,
        recovery,
    )
    t_neg0, t_pos0 = neg.inverse(e[0]), pos.inverse(e[1])

    # HSCT: planned bridging, done only if no relapse or death comes first
    lo, hi = sc.hsct_range_days
    plan = np.round(np.clip(sc.hsct_median_days * np.exp(sc.hsct_sd_log * z[0]), lo, hi))
    lp = (
        sc.hsct_logit
        + sc.hsct_effect_prior_hsct * base["prior_hsct"]
        + sc.hsct_effect_early_b_recovery * (has_bca & (recovery < plan) | ~has_bca)
        + sc.hsct_effect_mrd_high * (base["mrd_pre"] >= 1e-3)
    )
    inf_death = np.nan_to_num(infection_death_day, nan=np.inf)
    hsct = responder & (u[0] < expit(lp)) & (np.minimum(t_neg0, t_pos0) > plan) & (inf_death > plan)
    s = np.where(hsct, plan, np.inf)

    def after_hsct(model, e_k, t0):
        hs = model.cum(np.where(hsct, s, 0.0))
        t1 = model.inverse(hs + (e_k - hs) / sc.hsct_relapse_hr)
        return np.where(hsct & (t0 > s), t1, t0)

    t_neg = after_hsct(neg, e[0], t_neg0)
    t_pos = after_hsct(pos, e[1], t_pos0)
    relapse = np.where(responder, np.minimum(t_neg, t_pos), resp["d28_day"])
    cd19neg = np.where(responder, t_neg < t_pos, u[1] < 0.25)

    trm = np.where(
        hsct & (u[2] < sc.p_transplant_death),
        s + sc.transplant_death_median_days * np.exp(sc.transplant_death_sd_log * z[1]),
        np.inf,
    )
    relapse = np.where(trm < relapse, np.inf, relapse)
    relapse = np.where(inf_death < relapse, np.inf, relapse)
    relapse = np.round(np.maximum(relapse, 1.0))
    rel_death = np.where(
        np.isfinite(relapse) & (u[3] < sc.p_death_after_relapse),
        relapse + sc.relapse_death_median_days * np.exp(sc.relapse_death_sd_log * z[2]),
        np.inf,
    )
    candidates = np.vstack([rel_death, trm, inf_death])
    death = np.round(candidates.min(axis=0))
    cause = np.array(["relapse", "transplant", "infection"], dtype=object)[
        candidates.argmin(axis=0)
    ]

    # follow-up: data cut-off less a visit lag; a few patients are lost earlier
    admin = (np.datetime64(sc.data_cutoff, "D") - dates).astype(int).astype(float)
    censor = admin - np.floor(u[4] * (sc.last_contact_lag_max + 1))
    lost = u[5] < sc.p_lost_to_follow_up
    censor = np.where(lost, np.maximum(np.floor(u[6] * censor), 60.0), censor)
    dead = death <= censor
    last = np.where(dead, death, censor)
    relapse = np.where(relapse <= last, relapse, np.nan)
    hsct_day = np.where(hsct & (s <= last), s, np.nan)
    new_therapy = relapse + 7 + np.floor(u[7] * 15)
    new_therapy = np.where(new_therapy <= last, new_therapy, np.nan)
    return {
        "relapse_day": relapse,
        "relapse_cd19_negative": np.where(np.isnan(relapse), False, cd19neg),
        "hsct_day": hsct_day,
        "new_therapy_day": new_therapy,
        "death_day": np.where(dead, death, np.nan),
        "death_cause": np.where(dead, cause, None),
        "last_contact_day": last,
        "lost_to_follow_up": lost & ~dead,
    }


def events_table(ids: np.ndarray, out: dict) -> pd.DataFrame:
    """Build the events table: one row per event, ordered by patient, day and event kind."""
    n = ids.shape[0]
    day = np.column_stack(
        [
            out["relapse_day"],
            out["hsct_day"],
            out["new_therapy_day"],
            out["death_day"],
            out["last_contact_day"],
        ]
    )
    detail = np.column_stack(
        [
            np.where(out["relapse_cd19_negative"], "cd19_negative", "cd19_positive").astype(object),
            np.full(n, "allogeneic", dtype=object),
            np.full(n, "salvage", dtype=object),
            out["death_cause"].astype(object),
            np.full(n, None, dtype=object),
        ]
    )
    kind = np.broadcast_to(np.arange(5), day.shape)
    order = np.argsort(np.where(np.isnan(day), np.inf, day * 8 + kind), axis=1, kind="stable")
    day = np.take_along_axis(day, order, axis=1)
    detail = np.take_along_axis(detail, order, axis=1)
    kind = np.take_along_axis(kind, order, axis=1)
    rows, cols = np.nonzero(~np.isnan(day))
    return pd.DataFrame(
        {
            "patient_id": ids[rows],
            "day": day[rows, cols],
            "event": EVENT_ORDER[kind[rows, cols]],
            "detail": detail[rows, cols],
        },
        copy=False,
    )
