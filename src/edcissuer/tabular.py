"""Reading a registrar's table: CSV in whatever dialect a spreadsheet wrote, or .xlsx.

Why a module of its own: spreadsheet programs in German, French and other locales save
"CSV" with semicolons (the comma is their decimal sign) and a UTF-8 byte-order mark,
and registrars often keep the cohort as an .xlsx workbook. A reader that assumed commas
refused such a file as one unknown column. Here the delimiter is taken from the caller
(`--delimiter`) or detected with `csv.Sniffer` among `DELIMITERS`, BOMs are dropped, and
workbooks are read with openpyxl (values only, never formulas evaluated or macros run).
Every cell comes back as text, so the record model sees one shape whatever the source.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from .errors import InputError
from .files import read_input, read_text_input
from .time import iso_z

#: delimiters the sniffer chooses among (comma, semicolon, tab, pipe)
DELIMITERS = ",;\t|"
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm")
TABLE_SUFFIXES = (".csv", ".tsv", ".txt", *SPREADSHEET_SUFFIXES)
_BOM = "\ufeff"
_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
#: first characters a spreadsheet reads as a formula (OWASP "CSV injection")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe_cell(value: str) -> str:
    """A cell we write to a CSV, made inert: a leading `= + - @` TAB or CR gets a `'` first.

    Why: a student id such as `=HYPERLINK(...)` copied from the input into manifest.csv
    would run as a formula when a registrar opens the manifest in a spreadsheet.
    """
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


@dataclass(frozen=True)
class Table:
    """A header and its data rows (cells as text; `lines[i]` is row i's line in the file, 1-based)."""

    header: list[str]
    rows: list[list[str]]
    lines: list[int]
    delimiter: str | None      # None for a workbook

    @property
    def dialect(self) -> str:
        return "xlsx" if self.delimiter is None else _NAMES.get(self.delimiter, repr(self.delimiter))


def is_table(path: str | Path) -> bool:
    return Path(path).suffix.lower() in TABLE_SUFFIXES


def read_table(path: str | Path, *, delimiter: str | None = None, max_bytes: int) -> Table:
    """The table in `path`: a workbook by suffix, else delimited text (sniffed unless `delimiter` is given)."""
    p = Path(path)
    if p.suffix.lower() in SPREADSHEET_SUFFIXES:
        return _workbook(p, max_bytes)
    return parse_delimited(read_text_input(p, max_bytes=max_bytes, what="CSV file"), delimiter=delimiter,
                           where=str(p))


def sniff_delimiter(text: str) -> str:
    """The delimiter of `text`: csv.Sniffer over DELIMITERS on the first lines, else the header's commonest one."""
    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        header = sample.split("\n", 1)[0]
        counts = {d: header.count(d) for d in DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def parse_delimited(text: str, *, delimiter: str | None = None, where: str = "CSV") -> Table:
    """Delimited text -> Table; a BOM (also one a second save left on the first header cell) is dropped."""
    text = text.lstrip(_BOM)
    if delimiter is not None and (len(delimiter) != 1 or delimiter in "\r\n\"'"):
        raise InputError("the delimiter must be one character such as ',', ';', '|' or '\\t'", field="delimiter",
                         value=delimiter)
    chosen = delimiter or sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=chosen)
    try:
        header = [h.strip().lstrip(_BOM).strip() for h in next(reader, [])]
        while header and not header[-1]:
            header.pop()           # trailing empty columns a spreadsheet export adds (";;;")
        rows: list[list[str]] = []
        lines: list[int] = []
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue               # blank lines (spreadsheets add them at the end)
            rows.append(row)
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise InputError(f"unreadable CSV at line {reader.line_num}: {exc}", field=where) from exc
    return Table(header, rows, lines, chosen)


def _cell(value: Any) -> str:
    """A workbook cell as the text a CSV export would hold (dates ISO 8601, 17.0 -> 17)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            return iso_z(value)
        # a spreadsheet keeps no time zone: a date stays a date, a moment stays as typed (the record decides)
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _workbook(path: Path, max_bytes: int) -> Table:
    """The first sheet of an .xlsx workbook, read with openpyxl (values, not formulas)."""
    from openpyxl import load_workbook  # type: ignore[import-untyped,unused-ignore]
    from openpyxl.utils.exceptions import InvalidFileException  # type: ignore[import-untyped,unused-ignore]

    data = read_input(path, max_bytes=max_bytes, what="workbook")
    try:        # openpyxl parses sheets lazily: a broken sheet fails while iterating, so all of it is inside
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            if not book.worksheets:
                raise InputError("not a readable .xlsx workbook: it has no worksheet", field=str(path))
            header, rows, lines = _first_sheet(book.worksheets[0])
        finally:
            book.close()
    except InputError:
        raise
    except (InvalidFileException, OSError, KeyError, ValueError) as exc:
        raise InputError(f"not a readable .xlsx workbook: {exc}", field=str(path)) from exc
    except Exception as exc:  # zipfile.BadZipFile, XML ParseError and friends: an input error, not a crash
        raise InputError(f"not a readable .xlsx workbook ({type(exc).__name__}: {exc})", field=str(path)) from exc
    return Table(header, rows, lines, None)


def _first_sheet(sheet: Any) -> tuple[list[str], list[list[str]], list[int]]:
    """Header, data rows and their line numbers, blank rows dropped (as `parse_delimited`)."""
    values: Iterator[tuple[Any, ...]] = sheet.iter_rows(values_only=True)
    header = [_cell(v).strip() for v in next(values, ())]
    while header and not header[-1]:
        header.pop()
    rows: list[list[str]] = []
    lines: list[int] = []
    for number, raw in enumerate(values, start=2):
        cells = [_cell(v) for v in raw]
        if not any(c.strip() for c in cells):
            continue
        extra = cells[len(header):]
        rows.append(cells[:len(header)] + [c for c in extra if c.strip()])
        lines.append(number)
    return header, rows, lines
