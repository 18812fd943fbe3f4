"""Precise errors for malformed input files, found by a careful second read.

The fast readers work in chunks and do not track the line of every row. When
one of them hits a problem it asks this module, which reads the file again
row by row to name the exact line and column. It runs only on the error path.
"""

from __future__ import annotations

import csv
from pathlib import Path

from zen.engine.errors import DataFormatError

_CHUNK = 1 << 20
_UTF8_HINT = "save the file as UTF-8 (for example: iconv -f latin1 -t utf-8 in > out)"


def bad_utf8(path: Path) -> DataFormatError | None:
    """An error at the first byte of ``path`` that is not valid UTF-8, or None.

    Example:
        >>> bad_utf8(Path("ok.csv")) is None  # doctest: +SKIP
        True
    """
    line, column, carry = 1, 0, b""
    with path.open("rb") as fh:
        first = True
        while True:
            chunk = fh.read(_CHUNK)
            data = carry + chunk
            if first and data.startswith(b"\xef\xbb\xbf"):
                data = data[3:]  # the BOM is not a character of line 1
            first = False
            try:
                text = data.decode("utf-8")
                carry = b""
            except UnicodeDecodeError as exc:
                if chunk and exc.end == len(data):
                    # A character cut at the chunk's end: finish it with the next chunk.
                    text, carry = data[: exc.start].decode("utf-8"), data[exc.start :]
                else:
                    good = data[: exc.start].decode("utf-8")
                    line, column = _advance(line, column, good)
                    return DataFormatError(
                        f"invalid UTF-8 byte 0x{data[exc.start]:02x}",
                        path=str(path),
                        line=line,
                        column=column + 1,
                        hint=_UTF8_HINT,
                    )
            line, column = _advance(line, column, text)
            if not chunk:
                return None


def _advance(line: int, column: int, text: str) -> tuple[int, int]:
    newlines = text.count("\n")
    if newlines:
        return line + newlines, len(text) - text.rfind("\n") - 1
    return line, column + len(text)


def diagnose_csv(path: Path, delimiter: str, width: int) -> DataFormatError:
    """The first problem in a CSV/TSV file whose header has ``width`` fields.

    Returns a generic error when the file reads cleanly (it changed meanwhile).
    """
    decoding = bad_utf8(path)
    if decoding is not None:
        return decoding
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter, strict=True)
        start = 1
        try:
            for row in reader:
                if row and len(row) != width:
                    return _wrong_width(path, start, len(row), width)
                start = reader.line_num + 1
        except csv.Error as exc:
            return _csv_error(path, exc, start, reader.line_num, delimiter)
    return DataFormatError("the file changed while it was being read", path=str(path))


def _wrong_width(path: Path, line: int, got: int, width: int) -> DataFormatError:
    if got > width:
        return DataFormatError(
            f"{got} fields, but the header has {width}",
            path=str(path),
            line=line,
            column=width + 1,
            hint="quote values that contain the delimiter",
        )
    return DataFormatError(
        f"only {got} fields, but the header has {width}",
        path=str(path),
        line=line,
        column=got + 1,
        hint="every row needs a value (possibly empty) for each header column",
    )


def _csv_error(
    path: Path, exc: csv.Error, start: int, current: int, delimiter: str
) -> DataFormatError:
    reason = str(exc)
    if "unexpected end of data" in reason:
        text = _line_text(path, start)
        return DataFormatError(
            "unterminated quoted field (its closing quote is missing)",
            path=str(path),
            line=start,
            column=_open_field(text, delimiter),
            hint='a quote inside a quoted field is written twice: "say ""hi"""',
        )
    if "field larger than field limit" in reason:
        return DataFormatError(f"malformed CSV: {reason}", path=str(path), line=start)
    text = _line_text(path, current)
    return DataFormatError(
        f"malformed CSV: {reason}",
        path=str(path),
        line=current,
        column=_open_field(text, delimiter),
        hint='a quote inside a quoted field is written twice: "say ""hi"""',
    )


def _line_text(path: Path, number: int) -> str:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for index, line in enumerate(fh, 1):
            if index == number:
                return line
    return ""


def _open_field(line: str, delimiter: str) -> int:
    """The 1-based field where quoting goes wrong on ``line`` (best effort).

    Example:
        >>> _open_field('1,"ok",x"y,"bad', ",")
        4
    """
    field, quoted, after_quote, index = 1, False, False, -1
    while index + 1 < len(line):
        index += 1
        char = line[index]
        if quoted:
            if char == '"' and line[index + 1 : index + 2] == '"':
                index += 1  # an escaped quote
            elif char == '"':
                quoted, after_quote = False, True
            continue
        if char == delimiter:
            field, after_quote = field + 1, False
        elif after_quote and char not in "\r\n":
            return field  # text after a closing quote
        elif char == '"' and (index == 0 or line[index - 1] == delimiter):
            quoted = True
    return field
