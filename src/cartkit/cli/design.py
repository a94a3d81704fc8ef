"""``cartkit design``: events, sample size, Simon, group-sequential bounds, simulated power.

See docs/design.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._app import app, text_table

design_app = typer.Typer(
    help="Trial design: events, sample size, Simon, group-sequential bounds, simulated power.",
    no_args_is_help=True,
)
app.add_typer(design_app, name="design")

_Alpha = Annotated[float, typer.Option("--alpha", help="Type I error (both tails if --sided 2).")]
_Power = Annotated[float, typer.Option("--power", help="Power, 1 - beta.")]
_Sided = Annotated[int, typer.Option("--sided", help="1 (one-sided) or 2.")]
_Looks = Annotated[
    int, typer.Option("--looks", help="Analyses including the final one (1 = fixed).")
]
_Spending = Annotated[
    str, typer.Option("--spending", help="OF, P, asOF, asP (asKD/asHSD need --gamma).")
]
_Rates = Annotated[
    list[float] | None,
    typer.Option(
        "--information-rates",
        help="Information rate of each analysis (repeat).",
        show_default=False,
    ),
]
_Out = Annotated[Path | None, typer.Option("--out", help="Write the table to this .csv file.")]


def _design(
    looks, alpha, power, spending, rates, sided=1, gamma=None, futility=None, binding=False
):
    from ..design import group_sequential

    return group_sequential(
        looks, alpha=alpha, power=power, spending=spending, information_rates=rates or None,
        sided=sided, gamma=gamma, futility=futility, binding_futility=binding,
    )  # fmt: skip


def _write(frame, out: Path | None, what: str) -> None:
    if out is None:
        return
    from ..errors import CartkitError
    from ..io.writers import write_csv

    if out.suffix.lower() != ".csv":
        raise CartkitError(f"--out must end in .csv for {what}, got {out}")
    write_csv(frame, out)
    typer.echo(f"{what} written to {out}")


def _number(v: float) -> str:
    return f"{v:,.2f}"


@design_app.command()
def events(
    hazard_ratio: Annotated[float, typer.Argument(help="Hazard ratio under the alternative.")],
    alpha: _Alpha = 0.025,
    power: _Power = 0.9,
    sided: _Sided = 1,
    allocation: Annotated[
        float, typer.Option("--allocation", help="Share on the experimental arm.")
    ] = 0.5,
    looks: _Looks = 1,
    spending: _Spending = "asOF",
    information_rates: _Rates = None,
):
    """Events a log-rank test needs (Schoenfeld), optionally with a group-sequential design."""
    import math

    from ..design import logrank_events

    fixed = logrank_events(hazard_ratio, alpha, power, sided, allocation)
    typer.echo(f"fixed design: {_number(fixed)} events (plan {math.ceil(fixed)})")
    if looks > 1:
        d = _design(looks, alpha, power, spending, information_rates, sided)
        total = d.logrank_events(hazard_ratio, allocation)
        per = ", ".join(_number(e) for e in total * d.information_rates)
        typer.echo(
            f"{spending}, {looks} analyses: {_number(total)} events (inflation "
            f"{d.inflation:.5f}); cumulative events per analysis {per}"
        )


@design_app.command("sample-size")
def sample_size(
    hazard_ratio: Annotated[float, typer.Argument(help="Hazard ratio under the alternative.")],
    median: Annotated[float, typer.Option("--median", help="Control median survival.")] = 12.0,
    accrual: Annotated[
        float, typer.Option("--accrual", help="Duration of uniform accrual.")
    ] = 24.0,
    follow_up: Annotated[
        float | None,
        typer.Option("--follow-up", help="Follow-up after accrual [12].", show_default=False),
    ] = None,
    patients: Annotated[
        float | None, typer.Option("--patients", help="Patients; the follow-up is then found.")
    ] = None,
    dropout: Annotated[
        float, typer.Option("--dropout", help="Drop-out probability by --dropout-time.")
    ] = 0.0,
    dropout_time: Annotated[float, typer.Option("--dropout-time")] = 12.0,
    alpha: _Alpha = 0.025,
    power: _Power = 0.8,
    sided: _Sided = 1,
    allocation: Annotated[
        float, typer.Option("--allocation", help="Share on the experimental arm.")
    ] = 0.5,
    looks: _Looks = 1,
    spending: _Spending = "asOF",
    information_rates: _Rates = None,
    out: _Out = None,
):
    """Events, patients and study duration of a two-arm survival trial (exponential)."""
    from ..design import sample_size_survival

    design = _design(looks, alpha, power, spending, information_rates, sided) if looks > 1 else None
    plan = sample_size_survival(
        hazard_ratio, median, design=design, alpha=alpha, power=power, sided=sided,
        allocation=allocation, accrual_time=accrual, follow_up=follow_up, n_patients=patients,
        dropout=dropout, dropout_time=dropout_time,
    )  # fmt: skip
    typer.echo(str(plan))
    _write(plan.table, out, "the plan")


@design_app.command()
def simon(
    p0: Annotated[float, typer.Argument(help="Response rate of no interest (H0).")],
    p1: Annotated[float, typer.Argument(help="Response rate worth pursuing (H1).")],
    alpha: Annotated[float, typer.Option("--alpha")] = 0.05,
    beta: Annotated[float, typer.Option("--beta", help="Type II error (power 1 - beta).")] = 0.2,
    out: _Out = None,
):
    """Simon's optimal and minimax two-stage designs for a single-arm trial."""
    from ..design import simon_two_stage

    table = simon_two_stage(p0, p1, alpha, beta)
    typer.echo(f"Simon two-stage designs, p0={p0:g}, p1={p1:g}, alpha={alpha:g}, beta={beta:g}")
    typer.echo(text_table(table.round(4)))
    typer.echo("stop after stage 1 with <= r1 responses of n1; promising with > r of n")
    _write(table, out, "the designs")


@design_app.command()
def boundaries(
    looks: Annotated[int, typer.Argument(help="Number of analyses.")],
    alpha: _Alpha = 0.025,
    power: _Power = 0.8,
    spending: _Spending = "OF",
    information_rates: _Rates = None,
    sided: _Sided = 1,
    gamma: Annotated[float | None, typer.Option("--gamma", help="asKD / asHSD parameter.")] = None,
    futility: Annotated[
        str | None, typer.Option("--futility", help="Beta spending: bsOF, bsP, bsKD, bsHSD.")
    ] = None,
    binding: Annotated[bool, typer.Option("--binding", help="Binding futility.")] = False,
    hazard_ratio: Annotated[
        float | None, typer.Option("--hr", help="Add events and hazard-ratio bounds for this HR.")
    ] = None,
    out: _Out = None,
):
    """The boundary table of a group-sequential design."""
    d = _design(looks, alpha, power, spending, information_rates, sided, gamma, futility, binding)
    typer.echo(str(d))
    table = d.boundary_table(hazard_ratio)
    if hazard_ratio is not None:
        cols = ["stage", "events", "critical_z", "hr_efficacy", "hr_futility"]
        typer.echo(f"\nfor HR {hazard_ratio:g}:")
        typer.echo(table[cols].to_string(index=False, float_format=lambda v: f"{v:.4f}", na_rep=""))
    _write(table, out, "the boundaries")


def _progress_bar(total: int, label: str):
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    return Progress(*columns, console=Console(stderr=True), transient=True)


@design_app.command()
def power(
    hazard_ratio: Annotated[float, typer.Argument(help="True hazard ratio (1 = type I error).")],
    events: Annotated[float, typer.Option("--events", help="Events at the final analysis.")],
    patients: Annotated[int, typer.Option("--patients", help="Patients per trial.")],
    trials: Annotated[int, typer.Option("--trials", help="Simulated trials.")] = 10_000,
    alpha: _Alpha = 0.025,
    median: Annotated[float, typer.Option("--median", help="Control median survival.")] = 12.0,
    accrual: Annotated[float, typer.Option("--accrual")] = 24.0,
    looks: _Looks = 1,
    spending: _Spending = "asOF",
    information_rates: _Rates = None,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="'local' (Dask LocalCluster) or a scheduler address."),
    ] = None,
    out: _Out = None,
):
    """Power by simulation of event-driven trials (log-rank), with a progress bar."""
    from ..design import logrank_power, simulate_trials

    design = _design(looks, alpha, 0.8, spending, information_rates) if looks > 1 else None
    with _progress_bar(trials, "simulating trials") as bar:
        task = bar.add_task("sim", total=trials)
        sim = simulate_trials(
            trials, patients, hazard_ratio, events, alpha=alpha, control_median=median,
            accrual=accrual, seed=seed, scheduler=scheduler, looks=design,
            progress=lambda done: bar.advance(task, done),
        )  # fmt: skip
    typer.echo(str(sim))
    if looks == 1 and hazard_ratio != 1:
        typer.echo(f"analytic (Schoenfeld) power: {logrank_power(events, hazard_ratio, alpha):.4f}")
    _write(sim.trials, out, "the per-trial table")


@design_app.command("hsct-power")
def hsct_power(
    sizes: Annotated[list[int], typer.Argument(help="Patients per trial, e.g. 100 200 300.")],
    trials: Annotated[int, typer.Option("--trials", help="Trials per sample size.")] = 2000,
    accrual: Annotated[float, typer.Option("--accrual", help="Months of accrual.")] = 36.0,
    follow_up: Annotated[float, typer.Option("--follow-up", help="Months after accrual.")] = 24.0,
    alpha: _Alpha = 0.025,
    hsct_relapse_hr: Annotated[
        float | None, typer.Option("--hsct-relapse-hr", help="Relapse hazard ratio after HSCT.")
    ] = None,
    p_transplant_death: Annotated[
        float | None, typer.Option("--transplant-death", help="Probability of transplant death.")
    ] = None,
    population: Annotated[
        str, typer.Option("--population", help="mrd_positive, mrd_positive_cr or cr.")
    ] = "mrd_positive",
    seed: Annotated[int, typer.Option("--seed")] = 0,
    scheduler: Annotated[str | None, typer.Option("--scheduler")] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the curve: .csv table or .png figure.")
    ] = None,
):
    """Power of a randomised HSCT-consolidation trial on LFS, patients from the virtual cohort."""
    from ..design.cart import hsct_pools
    from ..errors import CartkitError

    if out is not None and out.suffix.lower() not in (".csv", ".png"):
        raise CartkitError(f"--out must end in .csv or .png, got {out}")
    pools = hsct_pools(
        population=population, seed=seed, hsct_relapse_hr=hsct_relapse_hr,
        p_transplant_death=p_transplant_death,
    )  # fmt: skip
    typer.echo("patients of the virtual cohort (LFS from randomisation at day 28):")
    typer.echo(text_table(pools.summary.round(3)))
    with _progress_bar(trials * len(sizes), "simulating trials") as bar:
        task = bar.add_task("sim", total=trials * len(sizes))
        from ..design.cart import simulate_hsct_trials

        rows = []
        for i, size in enumerate(sizes):  # one simulation per sample size
            sim = simulate_hsct_trials(
                trials, size, pools=pools, accrual=accrual, follow_up=follow_up, alpha=alpha,
                seed=seed + i, scheduler=scheduler, progress=lambda d: bar.advance(task, d),
            )  # fmt: skip
            rows.append((size, sim))
    import pandas as pd

    curve = pd.DataFrame(
        {
            "n_patients": [s for s, _ in rows],
            "estimate": [r.power for _, r in rows],
            "ci_lower": [max(0.0, r.power - 1.96 * r.mc_se) for _, r in rows],
            "ci_upper": [min(1.0, r.power + 1.96 * r.mc_se) for _, r in rows],
            "mc_se": [r.mc_se for _, r in rows],
            "n_events": [r.expected_events for _, r in rows],
            "n": [r.n_trials for _, r in rows],
        }
    )
    typer.echo("\npower to show an LFS benefit of HSCT (one-sided log-rank):")
    typer.echo(text_table(curve.round(4)))
    if out is not None and out.suffix.lower() == ".png":
        from ..report.figures import save_figure
        from ..report.figures.design import power_curve_figure

        fig = power_curve_figure(curve, title="Consolidative HSCT vs none: LFS")
        png, svg = save_figure(fig, out.with_suffix(""))
        typer.echo(f"power curve written to {png} and {svg}")
    else:
        _write(curve, out, "the power curve")
