"""simulate_study: a virtual cohort in the study data format, with its per-patient truth."""

from __future__ import annotations

import numbers
from collections.abc import Iterator

import numpy as np
import pandas as pd

from .._core.frames import plain_text
from ..errors import DataError
from ..study import Study
from . import adverse, kinetics, labs, outcomes, patients, response, toxicity
from .scenario import Scenario

#: one child random stream per component, in this order (append new components at the end, so
#: that adding one never shifts the stream of another)
COMPONENTS = (
    "patients", "kinetics", "response", "bca", "grades", "daily", "hematology", "cytokines",
    "infections", "drugs", "dates", "outcomes", "kinetics_sampling", "mrd", "marrow", "labs",
    "hlh",
)  # fmt: skip


def _check_args(n_patients, seed, scenario):
    if (
        isinstance(n_patients, bool)
        or not isinstance(n_patients, numbers.Integral)
        or n_patients < 1
    ):
        raise DataError(f"n_patients must be a positive whole number, got {n_patients!r}")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise DataError(f"seed must be a whole number >= 0, got {seed!r}")
    if scenario is None:
        return Scenario()
    if not isinstance(scenario, Scenario):
        raise DataError(
            f"scenario must be a cartkit.simulate.Scenario (or None for the published study), "
            f"got {type(scenario).__name__}"
        )
    return scenario


#: patients drawn from one set of random streams: a cohort is simulated in blocks of this many
#: (block 0 from the streams of the seed itself, so a cohort up to this size is what it was
#: before blocks existed); the output for a seed depends on this constant alone, never on how
#: many blocks are generated or written at a time
STREAM_BLOCK = 10_000
#: the spawn key of the streams of blocks after the first (bytes of "BLOC")
_BLOCK_KEY = 0x424C4F43


def _streams(seed: int, block: int) -> dict[str, np.random.Generator]:
    if block == 0:
        children = np.random.default_rng(seed).spawn(len(COMPONENTS))
    else:
        root = np.random.SeedSequence(seed, spawn_key=(_BLOCK_KEY, block))
        children = [np.random.default_rng(s) for s in root.spawn(len(COMPONENTS))]
    return dict(zip(COMPONENTS, children, strict=True))


def simulate_study(n_patients: int = 50, seed: int = 0, scenario: Scenario | None = None) -> Study:
    """Simulate a virtual CAR-T cohort calibrated to the published study.

    Every table of the study data format is filled (patients, events, kinetics, mrd, marrow, labs,
    crs, icans, adverse_events, medications), generated from explicit mechanisms: a kinetic
    expansion / contraction model, response and B-cell aplasia driven by expansion, toxicity grades
    rendered as daily observations, and competing relapse, transplant and death processes.

    Parameters
    ----------
    n_patients : int, default 50
        Number of patients (identifiers ``P001``, ``P002``, ...).
    seed : int, default 0
        Seed of ``numpy.random.default_rng``; each component draws from its own child stream,
        so the same seed gives identical tables. Patients are drawn in blocks of
        :data:`STREAM_BLOCK`, each block from its own streams (see :func:`simulate_blocks`).
    scenario : Scenario, optional
        The knobs of the cohort; None gives the published study (``Scenario()``).

    Returns
    -------
    Study
        ``source="simulated"``; ``metadata`` holds ``truth`` (one row per patient with the
        latent parameters and intended grades), ``scenario``, ``seed``, ``n_patients`` and
        ``data_cutoff``.

    Raises
    ------
    DataError
        When ``n_patients``, ``seed`` or ``scenario`` is not valid.

    Examples
    --------
    >>> study = simulate_study(50, seed=1)
    >>> sorted(study.tables)[:3]
    ['adverse_events', 'crs', 'events']
    """
    blocks = list(simulate_blocks(n_patients, seed, scenario))
    sc = _check_args(n_patients, seed, scenario)
    if len(blocks) == 1:
        tables, truth = blocks[0]
    else:
        tables = {
            name: pd.concat([b[0][name] for b in blocks], ignore_index=True)
            for name in blocks[0][0]
        }
        truth = pd.concat([b[1] for b in blocks], ignore_index=True)
    return Study(
        tables=tables,
        source="simulated",
        metadata={
            "truth": truth,
            "scenario": sc,
            "seed": int(seed),
            "n_patients": int(n_patients),
            "data_cutoff": sc.data_cutoff.isoformat(),
        },
    )


def simulate_blocks(
    n_patients: int, seed: int = 0, scenario: Scenario | None = None
) -> Iterator[tuple[dict[str, pd.DataFrame], pd.DataFrame]]:
    """The cohort of :func:`simulate_study`, :data:`STREAM_BLOCK` patients at a time.

    Yields ``(tables, truth)`` per block, in patient order; concatenated, they are the tables
    of :func:`simulate_study`. Memory holds one block at a time, so a cohort of any size can be
    written to files in bounded memory.

    Parameters
    ----------
    n_patients, seed, scenario
        As for :func:`simulate_study`.

    Yields
    ------
    tuple of (dict of str to DataFrame, DataFrame)
    """
    sc = _check_args(n_patients, seed, scenario)  # at the call, not at the first block
    return _blocks(int(n_patients), int(seed), sc)


def _blocks(n: int, seed: int, sc: Scenario):
    ids = patients.patient_ids(n)  # zero-padded to the width of the whole cohort
    for block, start in enumerate(range(0, n, STREAM_BLOCK)):
        yield _block(_streams(seed, block), ids[start : start + STREAM_BLOCK], sc)


def _block(streams, ids: np.ndarray, sc: Scenario):
    n = len(ids)
    base = patients.simulate_baseline(streams["patients"], n, sc)
    kin = kinetics.draw_parameters(streams["kinetics"], base, sc)
    resp = response.draw_response(streams["response"], kin["cmax"], sc)
    bca = response.draw_bca(streams["bca"], kin, sc)
    grades = toxicity.draw_grades(streams["grades"], base, kin, sc)
    daily = toxicity.daily_matrices(streams["daily"], base, grades, sc)
    hem = labs.hematology(streams["hematology"], n, grades["crs_grade"], sc)
    cyt = labs.cytokines(streams["cytokines"], grades, sc)
    inf = toxicity.draw_infections(streams["infections"], hem["grade4_neutropenia"], sc)
    drugs = adverse.draw_drugs(streams["drugs"], kin, grades, sc)
    hlh = adverse.draw_hlh(streams["hlh"], base, grades, sc)
    dates = outcomes.infusion_dates(streams["dates"], n, sc)
    out = outcomes.simulate_outcomes(
        streams["outcomes"], base, resp, bca, inf["infection_death_day"], dates, sc
    )
    last = out["last_contact_day"]
    stop = np.fmin(np.fmin(out["hsct_day"], out["relapse_day"]), last)

    crs_table, icans_table = toxicity.crs_icans_tables(ids, daily, last)
    tables = {
        "patients": patients.patients_table(ids, base, dates.astype("datetime64[ns]")),
        "events": outcomes.events_table(ids, out),
        "kinetics": kinetics.sample_kinetics(
            streams["kinetics_sampling"], ids, kin, out["hsct_day"], last, sc
        ),
        "mrd": response.mrd_table(
            streams["mrd"], ids, base, resp, out["relapse_day"], out["hsct_day"], last
        ),
        "marrow": response.marrow_table(
            streams["marrow"], ids, base, resp, out["relapse_day"], last
        ),
        "labs": labs.labs_table(streams["labs"], ids, hem, cyt, bca, stop, last, sc),
        "crs": crs_table,
        "icans": icans_table,
        "adverse_events": adverse.adverse_events_table(ids, grades, inf, hlh, last),
        "medications": adverse.medications_table(ids, drugs, daily, last),
    }
    truth = _truth(ids, base, kin, resp, bca, grades, hem, cyt, inf, drugs, out)
    truth["hlh"] = hlh["hlh"]
    # the tables a study read from csv would have (text as objects), under pandas 2 and 3
    return {name: plain_text(table) for name, table in tables.items()}, plain_text(truth)


def _truth(ids, base, kin, resp, bca, g, hem, cyt, inf, drugs, out) -> pd.DataFrame:
    """Per-patient latent parameters and intended outcomes, for tests of derivations."""
    return pd.DataFrame(
        {
            "patient_id": ids,
            "log10_mrd_pre": base["log10_mrd_pre"],
            "cmax": kin["cmax"],
            "tmax": kin["tmax"],
            "fold_expansion": kin["fold"],
            "alpha": kin["alpha"],
            "fb": kin["fb"],
            "beta": kin["beta"],
            "response": response.RESPONSE_NAMES[resp["response"]],
            "bca": bca["has_bca"],
            "bca_onset_day": bca["bca_onset"],
            "bca_recovery_day": bca["bca_recovery"],
            "bca_threshold": bca["bca_threshold"],
            "crs_grade": g["crs_grade"],
            "crs_onset_day": g["crs_onset"],
            "crs_end_day": g["crs_end"],
            "icans_grade": g["icans_grade"],
            "icans_onset_day": g["icans_onset"],
            "icans_end_day": g["icans_end"],
            "anc_nadir": hem["anc_nadir"],
            "grade4_neutropenia": hem["grade4_neutropenia"],
            "il6_peak": cyt["il6_peak"],
            "il6_peak_day": cyt["il6_peak_day"],
            "infection": inf["infection"],
            "tocilizumab": drugs["tocilizumab"],
            "corticosteroid": drugs["corticosteroid"],
            "relapse_day": out["relapse_day"],
            "relapse_cd19_negative": out["relapse_cd19_negative"],
            "hsct_day": out["hsct_day"],
            "death_day": out["death_day"],
            "death_cause": out["death_cause"],
            "last_contact_day": out["last_contact_day"],
            "lost_to_follow_up": out["lost_to_follow_up"],
        }
    )
