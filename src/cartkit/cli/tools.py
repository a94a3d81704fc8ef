"""Commands on one kind of data: NCA of a kinetics table, CRS/ICANS grading."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

import cartkit

from ._app import app, text_table


@app.command()
def nca(
    file: Annotated[
        Path,
        typer.Argument(
            help="A kinetics table (.csv, .xlsx, .parquet) with patient_id, day, "
            "copies_per_ug and optional blq and lloq columns."
        ),
    ],
    lloq: Annotated[
        float, typer.Option("--lloq", help="LLOQ where the table gives none (copies/µg).")
    ] = 100.0,
    window: Annotated[
        tuple[float, float], typer.Option("--window", help="AUC window start and end (days).")
    ] = (0.0, 28.0),
    method: Annotated[
        str, typer.Option("--method", help="AUC method: linear, lin-up/log-down or lin-log.")
    ] = "lin-up/log-down",
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the parameters to this .csv file.")
    ] = None,
):
    """Non-compartmental analysis of transgene levels, one row of parameters per patient."""
    from ..io.writers import frame_to_csv_text, write_csv
    from ..schema.single import read_table

    df = read_table(file, "kinetics")
    df = df.assign(blq=df["blq"].fillna(False))
    result = cartkit.nca(
        df,
        lloq=lloq,
        window=window,
        auc_method=method,
        lloq_column="lloq" if "lloq" in df.columns else None,
        blq="blq" if "blq" in df.columns else None,
    )
    if out is None:
        typer.echo(frame_to_csv_text(result), nl=False)
    else:
        write_csv(result, out, inputs=[file])
        typer.echo(f"NCA parameters of {len(result)} patient(s) written to {out}")


class GradeTerm(StrEnum):
    """What ``cartkit grade`` grades."""

    crs = "crs"
    icans = "icans"


@app.command()
def grade(
    term: Annotated[GradeTerm, typer.Argument(help="crs or icans.")],
    path: Annotated[Path, typer.Argument(help="A study folder or .xlsx workbook.")],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Write daily.csv, patients.csv, findings.csv and excluded.csv into this folder.",
        ),
    ] = None,
    prefer: Annotated[
        str,
        typer.Option(
            "--prefer",
            help="Grade source when both recorded (adverse_events) "
            "and daily data exist: recorded or derived.",
        ),
    ] = "recorded",
):
    """Grade CRS or ICANS (ASTCT 2019) per patient-day and per patient."""
    study = cartkit.read_study(path)
    result = cartkit.grade_study(study, term.value, prefer=prefer)
    typer.echo(f"{term.value.upper()} grades, {len(result.table)} patient(s):")
    typer.echo(text_table(result.table))
    for title, frame in (
        ("Recorded and derived grades disagree", result.findings),
        ("Not graded", result.excluded),
    ):
        if len(frame):
            typer.echo(f"\n{title}:")
            typer.echo(text_table(frame))
    if out is not None:
        from ..io.writers import write_tables

        written = write_tables(
            {
                "daily": result.detail,
                "patients": result.table,
                "findings": result.findings,
                "excluded": result.excluded,
            },
            out,
            "csv",
            inputs=study.metadata.get("files", {}),
        )
        typer.echo(f"\n{len(written)} files written to {out}")
