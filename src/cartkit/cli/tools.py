"""Commands on one kind of data: NCA of a kinetics table, CRS/ICANS grading."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

import cartkit

from ._app import Force, app, echo, text_table


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
    force: Force = False,
):
    """Non-compartmental analysis of transgene levels, one row of parameters per patient."""
    from ..io.outputs import check_output_file
    from ..io.writers import frame_to_csv_text, write_csv
    from ..schema.single import read_table

    if out is not None:
        check_output_file(out, inputs=[file], force=force)
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
        echo(frame_to_csv_text(result), nl=False)
    else:
        write_csv(result, out, inputs=[file])
        echo(f"NCA parameters of {len(result)} patient(s) written to {out}")


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
    force: Force = False,
):
    """Grade CRS or ICANS (ASTCT 2019) per patient-day and per patient."""
    from ..io.outputs import check_output_folder, output_folder
    from .study import study_inputs

    if out is not None:
        check_output_folder(out, inputs=[path], force=force)
    study = cartkit.read_study(path)
    result = cartkit.grade_study(study, term.value, prefer=prefer)
    echo(f"{term.value.upper()} grades, {len(result.table)} patient(s):")
    echo(text_table(result.table))
    for title, frame in (
        ("Recorded and derived grades disagree", result.findings),
        ("Not graded", result.excluded),
    ):
        if len(frame):
            echo(f"\n{title}:")
            echo(text_table(frame))
    if out is not None:
        from ..io.writers import write_tables

        inputs = study_inputs(path, study)
        with output_folder(out, inputs=inputs, force=force) as folder:
            written = write_tables(
                {
                    "daily": result.detail,
                    "patients": result.table,
                    "findings": result.findings,
                    "excluded": result.excluded,
                },
                folder,
                "csv",
                inputs=inputs,
            )
        echo(f"\n{len(written)} files written to {out}")
