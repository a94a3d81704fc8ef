"""How numbers are printed in the report's tables, the same way in every table.

Journal conventions: p-values with three decimals and "<0.001" below; estimates with their
interval as "0.54 (0.36–0.82)"; counts with percentages as "12 (24.0)"; an en dash in ranges.
Missing values print as "–" (not available) so an empty cell is never mistaken for zero.
"""

from __future__ import annotations

import math

__all__ = [
    "NA",
    "fmt_ci",
    "fmt_count_pct",
    "fmt_mean_sd",
    "fmt_median_range",
    "fmt_num",
    "fmt_p",
    "fmt_pct_ci",
    "fmt_sig",
    "fmt_sig_ci",
    "p_phrase",
]

NA = "–"


def _missing(x) -> bool:
    try:
        return x is None or math.isnan(float(x))
    except (TypeError, ValueError):
        return True


def fmt_num(x, digits: int = 2, *, thousands: bool = False) -> str:
    """``x`` with ``digits`` decimals (a thousands separator for large values when asked)."""
    if _missing(x):
        return NA
    x = float(x)
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    return f"{x:,.{digits}f}" if thousands else f"{x:.{digits}f}"


def fmt_sig(x, digits: int = 3) -> str:
    """``x`` to ``digits`` significant digits, thousands separated.

    For model parameters that span decades: ``50,800``, ``9.36``, ``0.0102``.
    """
    if _missing(x):
        return NA
    x = float(x)
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    if x == 0:
        return "0"
    exponent = math.floor(math.log10(abs(x)))
    x = round(x, digits - 1 - exponent)
    # rounding may carry into the next power of ten (9.996 -> 10.0)
    exponent = math.floor(math.log10(abs(x)))
    return f"{x:,.{max(0, digits - 1 - exponent)}f}"


def fmt_sig_ci(estimate, lower, upper, digits: int = 3) -> str:
    """``estimate (lower–upper)`` each to ``digits`` significant digits (see :func:`fmt_sig`)."""
    if _missing(estimate):
        return NA
    if _missing(lower) and _missing(upper):
        return fmt_sig(estimate, digits)
    return f"{fmt_sig(estimate, digits)} ({fmt_sig(lower, digits)}–{fmt_sig(upper, digits)})"


def fmt_p(p) -> str:
    """A p-value: three decimals, "<0.001" below 0.001, ">0.999" above 0.999."""
    if _missing(p):
        return NA
    p = float(p)
    if p < 0.001:
        return "<0.001"
    if p > 0.999:
        return ">0.999"
    return f"{p:.3f}"


def p_phrase(p) -> str:
    """``p = 0.012``, ``p < 0.001`` or ``p > 0.999`` for captions and running text."""
    text = fmt_p(p)
    return f"p {text[0]} {text[1:]}" if text[0] in "<>" else f"p = {text}"


def fmt_ci(estimate, lower, upper, digits: int = 2, *, thousands: bool = False) -> str:
    """``estimate (lower–upper)``; an interval that is not finite prints as such.

    With a negative bound the limits are joined by "to" and minus signs are printed as such
    (``0.20 (−0.08 to 0.46)``): "−0.08–0.46" would read as a range from −0.08 to −0.46.
    """
    if _missing(estimate):
        return NA
    est = fmt_num(estimate, digits, thousands=thousands)
    if _missing(lower) and _missing(upper):
        return est
    lo = fmt_num(lower, digits, thousands=thousands)
    hi = fmt_num(upper, digits, thousands=thousands)
    if lo.startswith(("-", "−")) or hi.startswith(("-", "−")):
        est, lo, hi = (x.replace("-", "−") for x in (est, lo, hi))
        return f"{est} ({lo} to {hi})"
    return f"{est} ({lo}–{hi})"


def fmt_pct_ci(estimate, lower, upper, digits: int = 1) -> str:
    """A proportion and its interval as percentages: ``94.0% (83.5–98.7)``."""
    if _missing(estimate):
        return NA
    est = f"{100 * float(estimate):.{digits}f}%"
    if _missing(lower) or _missing(upper):
        return est
    return f"{est} ({100 * float(lower):.{digits}f}–{100 * float(upper):.{digits}f})"


def fmt_count_pct(k, n, digits: int = 1) -> str:
    """``k (percent)`` of ``n``: ``12 (24.0)``; the header says "n (%)"."""
    if _missing(k) or _missing(n) or int(n) == 0:
        return NA if _missing(k) else f"{int(k)}"
    return f"{int(k)} ({100 * int(k) / int(n):.{digits}f})"


def fmt_median_range(median, low, high, digits: int = 1, *, thousands: bool = False) -> str:
    """``median (low–high)``: a median with its range or interquartile range."""
    return fmt_ci(median, low, high, digits, thousands=thousands)


def fmt_mean_sd(mean, sd, digits: int = 1, *, thousands: bool = False) -> str:
    """``mean ± SD``."""
    if _missing(mean):
        return NA
    return (
        f"{fmt_num(mean, digits, thousands=thousands)} ± {fmt_num(sd, digits, thousands=thousands)}"
    )
