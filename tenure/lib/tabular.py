"""Streaming readers for spreadsheets people actually send: CSV (UTF-8, UTF-8 with BOM, GB18030,
optionally gzip-compressed) and XLSX (first sheet). Messages are translatable (Django's gettext); nothing else here needs Django.

`open_table(source, filename=...)` returns a `Table`: `table.headers` is the header row and iterating
the table yields `(line_number, {header: value})` for every non-empty row, where `line_number` is the
row's line in the file (the header is line 1). Values are strings ("" for an empty cell); XLSX numbers
and dates are written the way a CSV would carry them. Nothing reads the whole file into memory.
"""

import codecs
import csv
import datetime as dt
import gzip
import io
import os
from collections.abc import Iterator
from typing import IO, Any

from django.utils.translation import gettext as _

SAMPLE_BYTES = 256 * 1024
csv.field_size_limit(10 * 1024 * 1024)


class TableError(ValueError):
    """The file cannot be read as a table (unknown format, no header row, corrupt file)."""


def detect_encoding(sample: bytes) -> str:
    """ "utf-8-sig" for a BOM, "utf-8" when the sample decodes as UTF-8, else "gb18030".

    The sample may end inside a multi-byte character: an incremental decoder tolerates that.
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def _clean_headers(raw: list[Any]) -> list[str]:
    headers: list[str] = []
    seen: set[str] = set()
    for i, value in enumerate(raw, start=1):
        name = _cell_text(value).replace("\ufeff", "").strip()
        if not name:
            name = f"column_{i}"
        base, n = name, 2
        while name in seen:
            name = f"{base}_{n}"
            n += 1
        seen.add(name)
        headers.append(name)
    return headers


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0) and value.tzinfo is None:
            return value.date().isoformat()  # a spreadsheet date cell
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _row_dict(headers: list[str], values: list[Any]) -> dict[str, str] | None:
    """The row as {header: text}, or None when every cell is blank. Cells beyond the header row get
    `column_N` names so nothing is lost."""
    row: dict[str, str] = {}
    blank = True
    n = len(headers)
    for i, value in enumerate(values):
        text = _cell_text(value)
        if text.strip():
            blank = False
        if i < n:
            row[headers[i]] = text
        elif text:
            row[f"column_{i + 1}"] = text
    if blank:
        return None
    for name in headers[len(values) :]:
        row[name] = ""
    return row


class Table:
    """Headers plus a one-pass iterator of (line_number, row); read either as dicts (iterating the
    table) or, where the reader offers it, through `cells()`."""

    def __init__(
        self,
        headers: list[str],
        rows: Iterator[tuple[int, dict[str, str]]],
        close=None,
        cells: Iterator[tuple[int, list[str] | dict[str, str]]] | None = None,
    ):
        self.headers = headers
        self._rows = rows
        self._close = close
        self._cells = cells

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        return self._rows

    def cells(self) -> Iterator[tuple[int, list[str] | dict[str, str]]] | None:
        """The rows (instead of iterating the table, not as well) as (line_number, cells): a row
        with one cell per header comes as the list of its cells, in header order, any other row as
        its dict (see _row_dict). Saves making a dict of every row (CSV). None when the reader
        does not offer it (XLSX)."""
        return self._cells

    def close(self) -> None:
        if self._close is not None:
            self._close()
            self._close = None

    def __enter__(self) -> "Table":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def read_csv(binary: IO[bytes], encoding: str | None = None) -> Table:
    """A Table over a binary CSV stream. The encoding is detected from a sample unless given; the
    delimiter (comma, semicolon or tab) is sniffed from the first line.

    Lines are decoded one by one, so an error names its line. A line that is not valid UTF-8 in a
    file whose sample looked like UTF-8 is read as GB18030 (the sample was plain ASCII, or the file
    mixes both, as files pasted together from several sources do).
    """
    if encoding is None:
        sample = binary.read(SAMPLE_BYTES)
        encoding = detect_encoding(sample)
        binary = io.BufferedReader(_Prefixed(sample, binary))
    lines = _decoded_lines(binary, encoding)
    try:
        first = next(lines)
    except StopIteration:
        raise TableError(_("The file is empty or has no header row.")) from None
    if not first.strip():
        raise TableError(_("The file is empty or has no header row."))
    delimiter = max([",", ";", "\t"], key=first.count) if any(d in first for d in ",;\t") else ","
    reader = csv.reader(_chain_first(first, lines), delimiter=delimiter)
    try:
        raw_headers = next(reader)
    except StopIteration:
        raise TableError(_("The file is empty or has no header row.")) from None
    except csv.Error as exc:
        raise TableError(_("Line %(line)d: %(error)s") % {"line": 1, "error": exc}) from exc
    headers = _clean_headers(raw_headers)

    def rows(as_cells: bool = False) -> Iterator[tuple[int, dict[str, str]]]:
        start = reader.line_num + 1
        width = len(headers)
        try:
            for values in reader:
                # A full row of text cells (the usual case) is _row_dict's result without its
                # per-cell work: the csv module gives str cells, which _cell_text leaves as they are.
                # A row has a non-blank cell when its cells joined have a non-blank character
                # (looked for only when its first cell is blank).
                if len(values) == width and (
                    (values[0] and not values[0].isspace()) or (any(values) and not "".join(values).isspace())
                ):
                    yield start, values if as_cells else dict(zip(headers, values, strict=True))
                else:
                    row = _row_dict(headers, values)
                    if row is not None:
                        yield start, row
                start = reader.line_num + 1
        except csv.Error as exc:
            raise TableError(_("Line %(line)d: %(error)s") % {"line": start, "error": exc}) from exc

    return Table(headers, rows(), close=binary.close, cells=rows(as_cells=True))


def _decoded_lines(binary: IO[bytes], encoding: str) -> Iterator[str]:
    fallback = "gb18030" if encoding.startswith("utf-8") else None
    for number, raw in enumerate(binary, start=1):
        try:
            yield raw.decode(encoding)
            continue
        except UnicodeDecodeError:
            pass
        if fallback:
            try:
                yield raw.decode(fallback)
                continue
            except UnicodeDecodeError:
                pass
        raise TableError(
            _("Line %(line)d: the file is not valid %(encoding)s text.")
            % {"line": number, "encoding": encoding}
        )


def _chain_first(first: str, rest: IO[str]) -> Iterator[str]:
    yield first
    yield from rest


class _Prefixed(io.RawIOBase):
    """A binary stream that replays `prefix` before reading on from `stream` (no seeking needed)."""

    def __init__(self, prefix: bytes, stream: IO[bytes]):
        self._prefix = memoryview(prefix)
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._prefix:
            n = min(len(buffer), len(self._prefix))
            buffer[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
            return n
        data = self._stream.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        return n

    def close(self) -> None:
        try:
            self._stream.close()
        finally:
            super().close()


def read_xlsx(source: str | os.PathLike | IO[bytes]) -> Table:
    """A Table over the first sheet of an XLSX workbook, read in openpyxl's streaming mode."""
    import zipfile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise TableError(_("Not a readable XLSX workbook: %(error)s") % {"error": exc}) from exc
    if not workbook.worksheets:
        workbook.close()
        raise TableError(_("The workbook has no sheet."))
    sheet = workbook.worksheets[0]
    iterator = sheet.iter_rows(values_only=True)
    headers: list[str] | None = None
    line = 0
    for values in iterator:
        line += 1
        if any(_cell_text(v).strip() for v in values):
            headers = _clean_headers(list(values))
            break
    if headers is None:
        workbook.close()
        raise TableError(_("The sheet is empty or has no header row."))
    while headers and headers[-1].startswith("column_"):
        headers.pop()  # trailing empty header cells of a sheet's used range

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        n = line
        for values in iterator:
            n += 1
            row = _row_dict(headers, list(values))
            if row is not None:
                yield n, row

    return Table(headers, rows(), close=workbook.close)


def table_format(filename: str) -> str:
    """ "csv", "csv.gz" or "xlsx" from a file name; TableError for anything else."""
    name = filename.lower()
    if name.endswith(".csv.gz") or name.endswith(".tsv.gz"):
        return "csv.gz"
    if name.endswith(".csv") or name.endswith(".tsv") or name.endswith(".txt"):
        return "csv"
    if name.endswith(".xlsx") or name.endswith(".xlsm"):
        return "xlsx"
    raise TableError(
        _("Unsupported file type: %(name)s (use .csv, .csv.gz or .xlsx).")
        % {"name": os.path.basename(filename)}
    )


def open_table(source: str | os.PathLike | IO[bytes], filename: str | None = None) -> Table:
    """Open a path or binary stream as a Table; the format comes from `filename` (or the path)."""
    name = filename or (os.fspath(source) if isinstance(source, str | os.PathLike) else "")
    fmt = table_format(name)
    if fmt == "xlsx":
        return read_xlsx(source)
    opener = gzip.open if fmt == "csv.gz" else open
    if isinstance(source, str | os.PathLike):
        try:
            stream: IO[bytes] = opener(source, "rb")
        except OSError as exc:
            raise TableError(
                _("Cannot open %(name)s: %(error)s") % {"name": name, "error": exc.strerror}
            ) from exc
    elif fmt == "csv.gz":
        stream = gzip.GzipFile(fileobj=source, mode="rb")
    else:
        stream = source
    try:
        return read_csv(stream)
    except (OSError, EOFError) as exc:  # gzip.BadGzipFile is an OSError
        stream.close()
        raise TableError(
            _("Cannot read %(name)s: %(error)s") % {"name": os.path.basename(name), "error": exc}
        ) from exc
