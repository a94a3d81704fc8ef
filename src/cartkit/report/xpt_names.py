"""Names and labels of cartkit's analysis variables in SAS transport (XPORT version 5) files.

Version 5 allows names of at most 8 characters (a letter or ``_``, then letters, digits or
``_``) and labels of at most 40, in ASCII. Every variable of cartkit's analysis datasets has a
fixed short name here (:data:`XPT_NAMES`; docs/data-format.md prints the table), so
``bca_duration_days`` is ``BCADURD`` in every file and every study. A column with no fixed name
(a study's own variable, a plan's own derived variable) gets one by a rule
(:func:`xpt_names`), and its label keeps the long name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from types import MappingProxyType

__all__ = [
    "COLUMN_LABELS",
    "XPT_NAMES",
    "ascii_text",
    "column_labels",
    "xpt_label",
    "xpt_names",
]

#: the longest name and label XPORT version 5 holds
NAME_MAX, LABEL_MAX = 8, 40

#: the fixed short name of every variable of ADSL and the default plan, and of ADTTE's
#: cartkit-named columns; ADaM names (USUBJID, PARAMCD, AVAL, ...) are their own short names
XPT_NAMES: Mapping[str, str] = MappingProxyType(
    {
        # ADSL
        "patient_id": "SUBJID",
        "sex": "SEX",
        "female": "FEMALE",
        "age_years": "AGE",
        "indication": "INDICAT",
        "prior_hsct": "PRHSCT",
        "prior_cart": "PRCART",
        "cart_dose_e6_per_kg": "CARTDOSE",
        "diagnosis_to_infusion_months": "DXINFMO",
        "genetic_lesions": "GENLES",
        "risk_group": "RISKGR",
        "risk_group_source": "RISKGRSC",
        "pre_ld_mrd": "PRLDMRD",
        "pre_ld_mrd_category": "PRLDMRDC",
        "post_ld_mrd": "POLDMRD",
        "post_ld_mrd_category": "POLDMRDC",
        "response_d28": "RESPD28",
        "responder_d28": "RSPRD28",
        "d28_mrd": "MRDD28",
        "mrd_negative_cr_d28": "MRDNCR28",
        "bca": "BCA",
        "bca_onset_day": "BCAONSDY",
        "bca_duration_days": "BCADURD",
        "bca_loss": "BCALOSS",
        "bca_loss_day": "BCALOSDY",
        "hsct_after_cart": "HSCTAFT",
        "hsct_day": "HSCTDY",
        "relapse": "RELAPSE",
        "relapse_day": "RELAPSDY",
        "relapse_phenotype": "RELPHEN",
        "death": "DEATH",
        "death_day": "DEATHDY",
        "death_cause": "DTHCAUS",
        "last_contact_day": "LSTCTDY",
        "follow_up_days": "FUPDAYS",
        "follow_up_months": "FUPMONTH",
        # patient variables from grading, labs, adverse events, medications and NCA
        "crs_max_grade": "CRSMAXGR",
        "icans_max_grade": "ICNMAXGR",
        "tocilizumab": "TOCI",
        "corticosteroid": "CORTIC",
        "neutropenia_max_grade": "NEUMAXGR",
        "anc_nadir": "ANCNADIR",
        "infection_4w": "INF4W",
        "infection_bacterial_4w": "INFBAC4W",
        "infection_viral_4w": "INFVIR4W",
        "infection_fungal_4w": "INFFUN4W",
        "hlh": "HLH",
        "gvhd": "GVHD",
        "il6_peak": "IL6PEAK",
        "il6_peak_day": "IL6PKDY",
        "cmax": "CMAX",
        "tmax": "TMAX",
        "tlast": "TLAST",
        "clast": "CLAST",
        "auc_window": "AUCWIN",
        "auclast": "AUCLAST",
        "half_life": "THALF",
        # the default plan's derived variables
        "no_prior_hsct": "NPRHSCT",
        "no_prior_cart": "NPRCART",
        "no_hsct_after_cart": "NHSCTAFT",
        "age_over_10": "AGEGT10",
        "dose_below_median": "DOSELTMD",
        "pre_ld_mrd_below_1e4": "PRMRDLT4",
        "pre_ld_mrd_below_1e3": "PRMRDLT3",
        "pre_ld_mrd_below_1e2": "PRMRDLT2",
        "post_ld_mrd_below_1e4": "POMRDLT4",
        "post_ld_mrd_below_1e3": "POMRDLT3",
        "post_ld_mrd_below_1e2": "POMRDLT2",
        "mrd_high_pre_or_post": "MRDHIGH",
        "crs_any": "CRSANY",
        "crs_grade3plus": "CRSGE3",
        "icans_any": "ICANSANY",
        "grade4_neutropenia": "NEUTGR4",
        "il6_elevated": "IL6ELEV",
        "expanded": "EXPANDED",
        "no_mrd_negative_cr_d28": "NOMRNCR",
    }
)

#: descriptions of the analysis-dataset columns the variable registry does not describe (the
#: ADaM identifiers and ADTTE's columns, with CDISC's labels where ADaM defines the variable),
#: and shorter ones where the registry's would not fit beside the long name in 40 characters
COLUMN_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "USUBJID": "Unique Subject Identifier",
        "patient_id": "Subject Identifier",
        "risk_group_source": "Source of risk group",
        "mrd_negative_cr_d28": "D28 MRD-neg CR/CRi",
        "neutropenia_max_grade": "Neutropenia grade",
        "infection_bacterial_4w": "Bacterial inf.",
        "auc_window": "AUC0-28d, copies/ug DNA*day",
        "PARAMCD": "Parameter Code",
        "PARAM": "Parameter",
        "STARTDY": "Time-to-Event Origin Day (from infusion)",
        "ADY": "Event or Censoring Day (from infusion)",
        "AVAL": "Analysis Value",
        "AVALU": "Analysis Value Unit",
        "CNSR": "Censor",
        "CAUSE": "0 Censored, 1 Event, 2 Competing Event",
        "EVNTDESC": "Event or Censoring Description",
        "CNSDTDSC": "Censor Date Description",
        "SRCDOM": "Source Data",
        "SRCSEQ": "Source Name",
        "EVNTDTL": "Event Detail",
    }
)

_VALID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,7}$")
_SUPERSCRIPT = {
    ord(s): d for s, d in zip("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789", strict=True)
}  # 10⁻⁴ -> 10^-4
_SUPERSCRIPT_RUN = re.compile("[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+")
#: what NFKD cannot take apart into ASCII
_ASCII = str.maketrans(
    {
        "µ": "u",
        "μ": "u",
        "–": "-",
        "‐": "-",
        "‑": "-",
        "—": "-",
        "−": "-",
        "≥": ">=",
        "≤": "<=",
        "×": "x",
        "·": ".",
        "‘": "'",
        "’": "'",
        "“": '"',
        "”": '"',
        "…": "...",
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "ø": "o",
        "Ø": "O",
    }
)


def ascii_text(text: str) -> str:
    """``text`` in printable ASCII, as XPORT version 5 expects.

    Superscript exponents become ``^`` powers (10⁻⁴ -> 10^-4), a few symbols their ASCII
    spelling (µ -> u, ≥ -> >=, – -> -), accented letters lose their accents, and anything else
    outside printable ASCII becomes ``?``.
    """
    if text.isascii() and text.isprintable():
        return text
    text = _SUPERSCRIPT_RUN.sub(lambda m: "^" + m.group().translate(_SUPERSCRIPT), text)
    text = unicodedata.normalize("NFKD", text.translate(_ASCII))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return "".join(c if " " <= c <= "~" else "?" for c in text)


def _rule_name(column: str) -> str:
    """The short name a column without a fixed one gets (before making it unique).

    A valid name of at most 8 characters is kept (upper-cased); otherwise the name's words
    (split at anything but letters and digits) give their letters in turn, first letters first,
    so each word keeps its start: ``log10_cmax`` -> ``LOG1CMAX``.
    """
    if _VALID.match(column):
        return column.upper()
    words = [w for w in re.split(r"[^A-Za-z0-9]+", ascii_text(column).upper()) if w]
    if not words:
        return "VAR"
    take = [0] * len(words)
    budget = NAME_MAX
    while budget and any(t < len(w) for t, w in zip(take, words, strict=True)):
        for i, w in enumerate(words):
            if budget and take[i] < len(w):
                take[i] += 1
                budget -= 1
    name = "".join(w[:t] for w, t in zip(words, take, strict=True))
    return name if not name[0].isdigit() else ("V" + name)[:NAME_MAX]


def xpt_names(columns: Iterable[str]) -> dict[str, str]:
    """The XPORT version 5 name of each column: unique, at most 8 characters.

    A column of :data:`XPT_NAMES` gets its fixed name. Any other column keeps its name when it
    is a valid one of at most 8 characters (upper-cased), else gets the letters of its words in
    turn (``log10_cmax`` -> ``LOG1CMAX``). A name already taken (by a fixed name anywhere, or
    an earlier column) ends in a number instead (``LOG1CMA2``), counting up; so the name of
    such a column depends only on the columns before it.

    Parameters
    ----------
    columns : iterable of str
        Column names, in the dataset's order.

    Returns
    -------
    dict
        Column name -> XPT name, in the order of ``columns``.
    """
    columns = [str(c) for c in columns]
    fixed = {c: XPT_NAMES[c] for c in columns if c in XPT_NAMES}
    # a study's own column never takes a fixed name, even one its dataset does not use
    taken = set(fixed.values()) | set(XPT_NAMES.values())
    out: dict[str, str] = {}
    for column in columns:
        if column in fixed:
            out[column] = fixed[column]
            continue
        base = name = _rule_name(column)
        k = 1
        while name in taken:
            k += 1
            name = base[: NAME_MAX - len(str(k))] + str(k)
        taken.add(name)
        out[column] = name
    return out


def xpt_label(column: str, name: str, description: str | None) -> str:
    """The variable label: the column's own name (when the XPT name differs) and what it is.

    ``bca_duration_days: BCA duration, days``; the long name alone when both do not fit in 40
    characters; the description alone for an ADaM name that is its own XPT name (``AVAL:
    Analysis Value`` would say nothing more). ASCII, at most 40 characters.
    """
    description = ascii_text(description or "")
    column_ascii = ascii_text(column)
    if name == column:
        label = description or column_ascii
    elif (
        description
        and description != column
        and len(column_ascii) + 2 + len(description) <= LABEL_MAX
    ):
        label = f"{column_ascii}: {description}"
    else:
        label = column_ascii
    return label[:LABEL_MAX]


def column_labels(columns: Iterable[str], names: Mapping[str, str], labels: Mapping[str, str]):
    """The label of each column (``labels``: printed names, e.g. the registry's)."""
    return {
        c: xpt_label(c, names[c], COLUMN_LABELS.get(c) or labels.get(c))
        for c in (str(c) for c in columns)
    }
