"""CSV files as they come: encodings, delimiters, blank lines, broken rows, formula prefixes.

Decoding tries, in order: a byte-order mark (UTF-8, UTF-16; UTF-32 is refused), the signature
of a known binary format (a workbook, an archive, Parquet, SPSS, PDF, images: refused, saying
what the file is), UTF-8, then Windows-1252 (Excel's plain "CSV" on Western systems, a superset
of Latin-1 for text) with a warning. Anything else is refused with a message naming the
encodings tried. Nothing here interprets a value: cells stay text.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .limits import MAX_COLUMNS, MAX_ROWS, factor, too_large_hint
from .safe_text import unneutralise_series

__all__ = ["NA_STRINGS", "CsvText", "FileProblem", "parse_csv", "to_utf8"]

#: cell texts read as empty
NA_STRINGS = ["", "NA", "N/A", "n/a", "NaN", "nan", "NULL", "null", "None", "."]
#: separators a header line is sniffed for; the first wins a tie
SEPARATORS = (",", ";", "\t", "|")
_SEPARATOR_NAMES = {",": "','", ";": "';'", "\t": "tab", "|": "'|'"}

SAVE_AS_UTF8 = "save it as CSV UTF-8 (Excel: File > Save As > 'CSV UTF-8')"
#: file signatures of formats that are not CSV text, and what to say about each
SIGNATURES = (
    (
        b"PK\x03\x04",
        "is a zip archive, not CSV text (an .xlsx workbook renamed, or a compressed file?): "
        "give a workbook itself as the study, or " + SAVE_AS_UTF8,
    ),
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "is an Excel 97-2003 (.xls) or password-protected workbook, not CSV text: " + SAVE_AS_UTF8,
    ),
    (b"PAR1", "is a Parquet file, not CSV text: name it with .parquet"),
    (b"$FL2", "is an SPSS file, not CSV text: name it with .sav"),
    (b"$FL3", "is an SPSS file, not CSV text: name it with .sav"),
    (b"\x1f\x8b", "is compressed (gzip), not CSV text: unpack it"),
    (b"%PDF", "is a PDF document, not a table: export the table as CSV UTF-8"),
    (b"\x89PNG", "is an image (PNG), not a table"),
    (b"\xff\xd8\xff", "is an image (JPEG), not a table"),
)


class FileProblem(Exception):
    """A file that cannot be read as a table; the message follows the file's name."""


@dataclass(frozen=True)
class CsvText:
    """A CSV file as read: header names, cells as text (missing: None), file row numbers."""

    names: list[str]
    data: pd.DataFrame
    rows: np.ndarray
    separator: str
    note: str | None = None


def _is_utf8(raw: bytes) -> bool:
    """Whether ``raw`` is UTF-8, checked in pieces (no copy of a large file as text)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    step = 1 << 24
    try:
        for start in range(0, len(raw), step):
            decoder.decode(raw[start : start + step], final=start + step >= len(raw))
    except UnicodeDecodeError:
        return False
    return True


def to_utf8(raw: bytes) -> tuple[bytes, str | None]:
    """A file's bytes as UTF-8, and a note when it was in another encoding (see the module doc).

    UTF-8 (the common case) is returned as it is, byte-order mark included: the CSV parser
    reads the bytes without a decoded copy of the whole file.

    Raises
    ------
    FileProblem
        When the file is in an encoding cartkit does not read, or is not text.
    """
    if raw.startswith(codecs.BOM_UTF8) or (
        not raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and _is_utf8(raw)
    ):
        if raw.startswith(codecs.BOM_UTF8) and not _is_utf8(raw):
            raise FileProblem(
                "starts with a UTF-8 byte-order mark but is not UTF-8 text; " + SAVE_AS_UTF8
            )
        if b"\x00" not in raw and _control_share(raw[:65536]) <= 0.05:
            return raw, None
    text, note = decode_text(raw)
    return text.encode("utf-8"), note


def decode_text(raw: bytes) -> tuple[str, str | None]:
    """The text of a file's bytes and a note when it was not UTF-8; FileProblem if unreadable."""
    if raw.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise FileProblem("is UTF-32 text, which cartkit does not read: " + SAVE_AS_UTF8)
    for bom, codec, name in (
        (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"),
        (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
        (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
    ):
        if raw.startswith(bom):
            try:
                return raw.decode(codec), None
            except UnicodeDecodeError as exc:
                raise FileProblem(
                    f"starts with a {name} byte-order mark but is not {name} text (byte "
                    f"{exc.start}); {SAVE_AS_UTF8}"
                ) from None
    for magic, what in SIGNATURES:
        if raw.startswith(magic):
            raise FileProblem(what)
    if b"\x00" in raw:
        if _utf16_without_bom(raw[:65536]):
            raise FileProblem(
                "looks like UTF-16 text without a byte-order mark, which cannot be read "
                "reliably: " + SAVE_AS_UTF8
            )
        raise FileProblem(
            "is not a text file (it holds NUL bytes, as binary files do): " + SAVE_AS_UTF8
        )
    if _control_share(raw[:65536]) > 0.05:
        raise FileProblem(
            "is not a text file (it is full of control characters, as binary files are): "
            + SAVE_AS_UTF8
        )
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("cp1252")
        _refuse_east_asian(raw)
    except UnicodeDecodeError as exc:
        raise FileProblem(
            "is neither UTF-8 nor Windows-1252 (Latin-1) text: byte "
            f"0x{raw[exc.start]:02x} at position {exc.start} is no character in either (another "
            "encoding, such as Shift-JIS, GBK or Mac Roman?): " + SAVE_AS_UTF8
        ) from None
    return text, (
        "the file is not UTF-8; it was read as Windows-1252 (Latin-1), as Excel's plain 'CSV' "
        "writes it. Save it as UTF-8 (Excel: 'CSV UTF-8') so that names with accents are read "
        "right"
    )


#: multi-byte encodings a file that is not UTF-8 may be in, with the characters they write
_EAST_ASIAN = ("shift_jis", "gbk", "big5", "euc_kr")
_EAST_ASIAN_CHARS = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uac00-\ud7af\uff00-\uffef]")


def _refuse_east_asian(raw: bytes) -> None:
    """Refuse a Japanese, Chinese or Korean file that also happens to decode as Windows-1252.

    Western text puts its non-ASCII bytes mostly in 0xC0-0xFF (accented letters); the lead
    bytes of the East-Asian multi-byte encodings fill 0x80-0xBF as well. A file is refused
    when it decodes strictly in one of them, nearly every non-ASCII character is then
    Japanese, Chinese or Korean, and its Windows-1252 reading is mostly symbols.
    """
    high = [b for b in raw[:65536] if b >= 0x80]
    if len(high) < 4 or sum(0x80 <= b < 0xC0 for b in high) < 0.4 * len(high):
        return
    for codec in _EAST_ASIAN:
        try:
            decoded = raw.decode(codec)
        except UnicodeDecodeError:
            continue
        wide = [c for c in decoded if ord(c) >= 0x80]
        if wide and len(_EAST_ASIAN_CHARS.findall(decoded)) >= 0.9 * len(wide):
            raise FileProblem(
                "is not UTF-8, and reads as Japanese, Chinese or Korean text (Shift-JIS, GBK, "
                "Big5 or EUC-KR) rather than Windows-1252 (Latin-1): " + SAVE_AS_UTF8
            )


def _utf16_without_bom(sample: bytes) -> bool:
    """ASCII text in UTF-16 has a NUL in every other byte."""
    even, odd = sample[0::2], sample[1::2]
    if len(odd) < 4:
        return False
    share = (even.count(0) / len(even), odd.count(0) / len(odd))
    return max(share) > 0.4 and min(share) < 0.05


def _control_share(sample: bytes) -> float:
    if not sample:
        return 0.0
    controls = sum(sample.count(b) for b in (*range(0, 9), 11, 12, *range(14, 32), 127))
    return controls / len(sample)


def sniff_separator(header: str) -> str:
    """The separator of a CSV file from its header line (quoted text ignored)."""
    bare = re.sub(r'"[^"]*"', "", header)
    counts = [bare.count(sep) for sep in SEPARATORS]
    return SEPARATORS[int(np.argmax(counts))] if max(counts) else ","


def parse_csv(data: bytes, *, max_rows: int = MAX_ROWS, note: str | None = None) -> CsvText:
    """Parse CSV bytes (UTF-8): header, cells as text, the file row number of every data row.

    Leading and blank lines are skipped (a blank line in the middle keeps the row numbers of
    the rows after it right); a cell written ``'=...`` by a cartkit writer reads as ``=...``.

    Raises
    ------
    FileProblem
        An empty file, too many columns or rows, a row with more cells than the header, a quote
        never closed.
    """
    start = 3 if data.startswith(codecs.BOM_UTF8) else 0
    head = data[start : start + 65536]
    blank = re.match(rb"(?:[ \t]*\r?\n)*", head)
    lead = blank.group().count(b"\n")
    if re.fullmatch(rb"\s*", head[blank.end() :]) and len(data) <= start + 65536:
        raise FileProblem(
            "is empty: it has no header row. Export the table again, with its column names in "
            "the first row"
        )
    first_end = data.find(b"\n", start + blank.end())
    first_line = data[start + blank.end() : None if first_end < 0 else first_end]
    first_line = first_line.decode("utf-8", errors="replace").rstrip("\r")
    sep = sniff_separator(first_line)
    n_names = first_line.count(sep) + 1  # at least; quoted separators make it fewer
    if n_names > MAX_COLUMNS and len(first_line) < 2**20:
        n_names = len(next(csv.reader([first_line], delimiter=sep)))
    if n_names > MAX_COLUMNS:
        raise FileProblem(
            f"has {n_names:,} columns in its header row; a table has at most {MAX_COLUMNS}. "
            f"Is it the right file, and is the separator {_SEPARATOR_NAMES[sep]}?"
        )
    try:
        frame = pd.read_csv(
            io.BytesIO(data),
            sep=sep,
            header=None,
            # object, not str: pandas 3 would build Arrow text only for the cells to be taken
            # out again as Python objects below (2.5 s of a 10,000-patient study's 17 s read)
            dtype=object,
            encoding="utf-8",
            keep_default_na=False,
            na_values=NA_STRINGS,
            skipinitialspace=True,
            skip_blank_lines=False,
            skiprows=lead,
            quoting=csv.QUOTE_MINIMAL,
            nrows=max_rows + 2,
        )
    except pd.errors.EmptyDataError:
        raise FileProblem("is empty: it has no header row") from None
    except pd.errors.ParserError as exc:
        raise FileProblem(_parser_message(str(exc), lead, sep)) from None
    if len(frame) - 1 > max_rows:
        raise FileProblem(f"has more than {max_rows:,} rows; {_too_many_rows(max_rows)}")
    names = ["" if pd.isna(v) else str(v) for v in frame.iloc[0]]
    # the cells below the header, without copying them (a copy of a large table is its size)
    cells = frame.to_numpy(dtype=object)[1:]
    if not cells.flags.writeable:
        # pandas 3 (Copy-on-Write) hands out a one-column frame's cells read-only; they are
        # written below, so that one column is copied
        cells = cells.copy()
    del frame
    missing = pd.isna(cells)
    rows = np.arange(len(cells)) + 2 + lead
    empty = missing.all(axis=1)
    if empty.any():
        cells, missing, rows = cells[~empty], missing[~empty], rows[~empty]
    cells[missing] = None
    del missing
    table = pd.DataFrame(cells, columns=range(cells.shape[1]), dtype=object, copy=False)
    if b"'" in data:
        names = unneutralise_series(pd.Series(names, dtype=object)).tolist()
        for c in table.columns:
            table[c] = unneutralise_series(table[c])
    table.columns = names
    return CsvText(names=names, data=table, rows=rows, separator=sep, note=note)


def _too_many_rows(max_rows: int) -> str:
    if max_rows < MAX_ROWS * factor():
        why = "the study holds more cells than cartkit reads in all"
    else:
        why = "a table has at most that many"
    return f"{why} (see docs/data-format.md){too_large_hint()}"


def _parser_message(message: str, lead: int, sep: str) -> str:
    ragged = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if ragged:
        want, line, saw = (int(g) for g in ragged.groups())
        return (
            f"row {line + lead} has {saw} cells but the header row has {want} (a cell with "
            f"{_SEPARATOR_NAMES[sep]} inside must be in double quotes); remove the extra cells "
            "or name their column in the header"
        )
    quote = re.search(r"EOF inside string starting at row (\d+)", message)
    if quote:
        return (
            f'has a double quote (") opened in row {int(quote.group(1)) + 1 + lead} that is '
            'never closed; close it, or write a quote inside a cell as ""'
        )
    return f"cannot be read as CSV ({message.strip()})"
