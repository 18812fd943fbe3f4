"""Streaming JSON readers: records of a JSON array or of JSON lines, with their line numbers.

A JSON array is decoded one element at a time from a sliding buffer, so a file
of any size is read with flat memory. Errors name the line and column in the
file, not in the buffer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import IO, Any, NoReturn

from zen.engine.errors import DataFormatError

_CHUNK = 1 << 20
_WS = re.compile(r"[ \t\n\r]*")
# An error this far before the end of the buffer cannot be cured by reading more.
_LOOKAHEAD = 64

Record = tuple[int, Any]  # (line where the value starts, decoded value)

_DECODER = json.JSONDecoder()


def json_lines(fh: IO[str], path: str) -> Iterator[Record]:
    """Each non-blank line of ``fh`` decoded as one JSON value.

    Example:
        >>> import io
        >>> list(json_lines(io.StringIO('{"a": 1}\\n\\n[2]\\n'), "x.jsonl"))
        [(1, {'a': 1}), (3, [2])]
    """
    decode = _DECODER.decode
    for number, line in enumerate(fh, 1):
        if not line.strip():
            continue
        try:
            yield number, decode(line)
        except json.JSONDecodeError as exc:
            raise DataFormatError(
                f"invalid JSON: {exc.msg}", path=path, line=number, column=exc.colno
            ) from None


def json_array(fh: IO[str], path: str) -> Iterator[Record]:
    """The elements of the top-level JSON array in ``fh``, streamed.

    Example:
        >>> import io
        >>> list(json_array(io.StringIO('[{"a": 1},\\n {"a": 2}]'), "x.json"))
        [(1, {'a': 1}), (2, {'a': 2})]
    """
    return _ArrayStream(fh, path).records()


class _ArrayStream:
    """A buffer over the file that knows the line and column of every position in it."""

    def __init__(self, fh: IO[str], path: str) -> None:
        self.fh = fh
        self.path = path
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.base_line = 1  # line number at buf[0]
        self.base_col = 0  # characters of that line before buf[0]
        self.mark = 0  # newlines in buf[:mark] are counted in mark_line
        self.mark_line = 1

    def records(self) -> Iterator[Record]:
        if self._peek() != "[":
            hint = "for one object per line, use --format jsonl" if self._peek() == "{" else None
            self._fail("expected a JSON array of objects ('[' ...)", self.pos, hint)
        self.pos += 1
        if self._peek() == "]":
            self.pos += 1
        else:
            yield from self._elements()
        if self._peek() != "":
            self._fail("extra data after the JSON array", self.pos)

    def _elements(self) -> Iterator[Record]:
        while True:
            self._skip_ws()
            start = self.pos
            value = self._value()
            yield self._line_of(start), value
            sep = self._peek()
            self.pos += 1
            if sep == "]":
                return
            if sep != ",":
                self._fail("expected ',' or ']' after an array element", self.pos - 1)

    def _value(self) -> Any:
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if self.eof or not self._may_be_cut(exc):
                    self._fail(f"invalid JSON: {exc.msg}", exc.pos)
                self._fill()
                continue
            # A number at the very end of the buffer may continue in the next chunk.
            if end == len(self.buf) and not self.eof:
                self._fill()
                continue
            self.pos = end
            return value

    def _may_be_cut(self, exc: json.JSONDecodeError) -> bool:
        return exc.msg.startswith("Unterminated string") or exc.pos + _LOOKAHEAD >= len(self.buf)

    def _peek(self) -> str:
        self._skip_ws()
        return self.buf[self.pos] if self.pos < len(self.buf) else ""

    def _skip_ws(self) -> None:
        while True:
            match = _WS.match(self.buf, self.pos)
            self.pos = match.end() if match else self.pos
            if self.pos < len(self.buf) or self.eof:
                return
            self._fill()

    def _fill(self) -> None:
        """Drop what has been decoded and append the next chunk of the file."""
        self._count_lines(self.pos)
        self._drop(self.pos)
        chunk = self.fh.read(_CHUNK)
        self.eof = not chunk
        self.buf += chunk

    def _drop(self, upto: int) -> None:
        head = self.buf[:upto]
        newlines = head.count("\n")
        if newlines:
            self.base_line += newlines
            self.base_col = len(head) - head.rfind("\n") - 1
        else:
            self.base_col += len(head)
        self.buf = self.buf[upto:]
        self.pos -= upto
        self.mark -= upto

    def _count_lines(self, upto: int) -> None:
        if upto > self.mark:
            self.mark_line += self.buf.count("\n", self.mark, upto)
            self.mark = upto

    def _line_of(self, index: int) -> int:
        self._count_lines(index)
        return self.mark_line

    def _where(self, index: int) -> tuple[int, int]:
        head = self.buf[:index]
        newlines = head.count("\n")
        if newlines:
            return self.base_line + newlines, len(head) - head.rfind("\n")
        return self.base_line, self.base_col + len(head) + 1

    def _fail(self, message: str, index: int, hint: str | None = None) -> NoReturn:
        line, column = self._where(index)
        raise DataFormatError(message, path=self.path, line=line, column=column, hint=hint)
