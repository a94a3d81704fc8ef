"""Run one analysis kind and present it, as ``cartkit.analyze`` does for a whole plan."""

from types import SimpleNamespace

from cartkit.report.sections import Show, present


def run_and_present(run, analysis, ctx):
    """``run(analysis, ctx)`` and its section: ``.tables``, ``.figures``, ``.notes``, ``.n``."""
    result = run(analysis, ctx)
    section = present(result, Show(ctx.names, ctx.settings))
    notes = list(dict.fromkeys([*result.notes, *section.notes]))
    return SimpleNamespace(
        tables=section.tables, figures=section.figures, notes=notes, n=result.n, result=result
    )
