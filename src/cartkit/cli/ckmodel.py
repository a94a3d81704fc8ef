"""``cartkit ck-model``: the population cellular-kinetic model of a kinetics table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._app import app, text_table

_FIGURES = ("gof", "cwres", "vpc", "individual_fits")
#: the tables written (the names of the dict in ck_model), checked against the inputs first
_TABLES = (
    "parameters",
    "population",
    "omega",
    "residual",
    "covariate_tests",
    "individual",
    "observations",
    "vpc",
    "trace",
    "fit",
)


def _effects(effects: list[str], random: str | None):
    from ..errors import DataError

    out: dict[str, list[str]] = {}
    for spec in effects:
        param, sep, column = spec.partition("=")
        if not sep or not param.strip() or not column.strip():
            raise DataError(
                f"--effect takes PARAMETER=COLUMN (e.g. cmax=crs_grade3plus), got {spec!r}"
            )
        out.setdefault(param.strip(), []).append(column.strip())
    names = None if random is None else [p.strip() for p in random.split(",") if p.strip()]
    return out, names


def _patient_covariates(path: Path, id_col: str):
    """A patient-level table: one row per patient, numbers or true/false in every column."""
    import pandas as pd

    from ..errors import DataError
    from ..io.readers import read_raw_table

    raw, _note = read_raw_table(path, "covariates")
    frame = raw.data.copy()
    frame.columns = [str(c).strip() for c in frame.columns]
    if id_col not in frame.columns:
        raise DataError(f"{path}: no column {id_col!r} (the patient id) in the covariates table")
    if frame[id_col].duplicated().any():
        dup = frame.loc[frame[id_col].duplicated(), id_col].iloc[0]
        raise DataError(f"{path}: patient {dup!r} has more than one row; give one per patient")
    truth = {"true": 1.0, "false": 0.0, "yes": 1.0, "no": 0.0, "y": 1.0, "n": 0.0}
    for c in frame.columns:
        if c == id_col:
            frame[c] = frame[c].astype(str)
            continue
        text = frame[c].astype("string").str.strip().str.lower()
        mapped = text.map(truth)
        numbers = pd.to_numeric(frame[c], errors="coerce")
        frame[c] = numbers.where(numbers.notna(), mapped.astype(float))
    return frame


@app.command("ck-model")
def ck_model(
    kinetics: Annotated[
        Path,
        typer.Argument(
            help="A kinetics table (.csv, .xlsx, .parquet) with patient_id, day, copies_per_ug "
            "and optional blq and lloq columns."
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder for the tables and figures.")],
    model: Annotated[
        str, typer.Option("--model", help="stein2019 or one_compartment_oral.")
    ] = "stein2019",
    error: Annotated[
        str,
        typer.Option("--error", help="log_additive, additive, proportional or combined."),
    ] = "log_additive",
    lloq: Annotated[
        float | None,
        typer.Option("--lloq", help="LLOQ where the table gives none (default: its lloq column)."),
    ] = None,
    random: Annotated[
        str | None,
        typer.Option("--random", help="Parameters varying between patients, comma-separated."),
    ] = None,
    covariates: Annotated[
        Path | None,
        typer.Option(
            "--covariates",
            help="A patient-level table (patient_id plus covariate columns) to join.",
        ),
    ] = None,
    effect: Annotated[
        list[str] | None,
        typer.Option(
            "--effect",
            help="A covariate effect PARAMETER=COLUMN (repeatable), e.g. cmax=crs_grade3plus.",
        ),
    ] = None,
    dose: Annotated[
        str | None, typer.Option("--dose", help="Dose column (one_compartment_oral).")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the estimation.")] = 0,
):
    """Fit the population cellular-kinetic model (SAEM) and write its tables and figures."""
    import cartkit

    from ..io.atomic import guard_inputs
    from ..io.writers import write_tables
    from ..report.figures import (
        ckmodel_cwres_figure,
        ckmodel_gof_figure,
        ckmodel_individual_figure,
        ckmodel_vpc_figure,
        save_figure,
    )
    from ..schema.single import read_table

    inputs = [kinetics] if covariates is None else [kinetics, covariates]
    figure_paths = [out / "figures" / name for name in _FIGURES]
    # refuse an output that is an input before the minutes of fitting, not after
    guard_inputs(
        [out / f"{t}.csv" for t in _TABLES]
        + [p.with_suffix(s) for p in figure_paths for s in (".png", ".svg")],
        inputs,
    )
    df = read_table(kinetics, "kinetics")
    effects, random_names = _effects(effect or [], random)
    if covariates is not None:
        cov = _patient_covariates(covariates, "patient_id")
        df = df.assign(patient_id=df["patient_id"].astype(str)).merge(
            cov, on="patient_id", how="left", suffixes=("", "_covariates")
        )
    fit = cartkit.fit_kinetic_model(
        df,
        model=model,
        dose=dose,
        random=random_names,
        error=error,
        lloq=lloq,
        covariates=effects or None,
        seed=seed,
    )
    tables = {
        "parameters": fit.parameter_table(),
        "population": fit.population,
        "omega": fit.omega,
        "residual": fit.residual,
        "covariate_tests": fit.covariate_tests,
        "individual": fit.individual,
        "observations": fit.observations,
        "vpc": fit.vpc,
        "trace": fit.trace,
        "fit": _fit_row(fit),
    }
    written = write_tables(tables, out, "csv", inputs=inputs)
    figures = (
        ckmodel_gof_figure(fit.observations),
        ckmodel_cwres_figure(fit.observations),
        ckmodel_vpc_figure(fit.vpc),
        ckmodel_individual_figure(fit.observations, fit.curves()),
    )
    for fig, path in zip(figures, figure_paths, strict=True):
        written.extend(save_figure(fig, path))
    typer.echo(_summary(fit))
    typer.echo(f"\n{len(written)} files written to {out}")


def _fit_row(fit):
    import pandas as pd

    return pd.DataFrame(
        {
            "model": [fit.model],
            "error": [fit.error],
            "n_patients": [fit.n_patients],
            "n_obs": [fit.n_obs],
            "n_blq": [fit.n_blq],
            "loglik": [fit.loglik],
            "loglik_se": [fit.loglik_se],
            "aic": [fit.aic],
            "bic": [fit.bic],
            "seed": [fit.seed],
            "notes": ["; ".join(fit.notes)],
        }
    )


def _summary(fit) -> str:
    """The parameter table as a pharmacometrician reads it."""
    table = fit.parameter_table()
    shown = table.assign(
        estimate=table["estimate"].map(lambda v: f"{v:.4g}"),
        rse=table["rse"].map(lambda v: f"{v:.1f}%"),
        ci=[f"{a:.4g}–{b:.4g}" for a, b in zip(table["ci_lower"], table["ci_upper"], strict=True)],
        iiv_sd=[
            "" if v != v else f"{v:.3f}{' (logit)' if s == 'logit' else ''}"
            for v, s in zip(table["iiv_sd"], table["iiv_scale"], strict=True)
        ],
        shrinkage=table["shrinkage"].map(lambda v: "" if v != v else f"{100 * v:.0f}%"),
    )[["parameter", "estimate", "rse", "ci", "iiv_sd", "shrinkage"]]
    lines = [
        f"cartkit ck-model: {fit.model}, {fit.error} error; {fit.n_patients} patients, "
        f"{fit.n_obs} samples ({fit.n_blq} below the LLOQ, censored)",
        "",
        text_table(shown),
    ]
    if len(fit.covariate_tests):
        lines += ["", "Covariate effects (log scale; likelihood-ratio test):"]
        cov = fit.covariate_tests[
            ["parameter", "term", "estimate", "ci_lower", "ci_upper", "fold_change", "p_value"]
        ]
        lines.append(text_table(cov.round(4)))
    lines.append(
        f"log-likelihood {fit.loglik:.2f} (MC SE {fit.loglik_se:.2f}), AIC {fit.aic:.1f}, "
        f"BIC {fit.bic:.1f}"
    )
    lines += [f"note: {n}" for n in fit.notes]
    return "\n".join(lines)
