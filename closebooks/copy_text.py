"""Rows in PostgreSQL's COPY text format, built as one buffer instead of one call per row.

Each value is written as psycopg's text dumpers write it (`str()` of an int, Decimal, date or
aware datetime, `\\N` for NULL), and text is escaped as psycopg escapes it (backslash,
tab, newline, carriage return, backspace, form feed, vertical tab), so the server stores the
same values `cursor.copy(...).write_row(row)` would send. See
https://www.postgresql.org/docs/current/sql-copy.html ("Text Format").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from operator import call

from django.db.models import CharField, DateField, Field, TextField

NULL = "\\N"
_ESCAPES = str.maketrans(
    {
        "\\": "\\\\",
        "\b": "\\b",
        "\t": "\\t",
        "\n": "\\n",
        "\v": "\\v",
        "\f": "\\f",
        "\r": "\\r",
    }
)
# A COPY is sent in pieces of about this many characters as it is built, so the server stores
# one piece while the next is formatted.
CHUNK_CHARS = 256 * 1024


class Escaped(dict):
    """Values as COPY text (`text`), each distinct one once (a close repeats its account names,
    memos and segments on every line). One per kind of value: 1 and Decimal("1.00") are
    equal keys."""

    def __missing__(self, value) -> str:
        written = self[value] = text(value)
        return written


def text(value) -> str:
    """One value as COPY text: NULL as `\\N`, text escaped, anything else (an int, Decimal,
    date, aware datetime or bool) as its `str()`, psycopg's text form (the server reads
    `True`/`False` as booleans)."""
    if value is None:
        return NULL
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    return str(value)


def column_formats(fields: Sequence[Field], escaped: Escaped) -> list[Callable[..., str]]:
    """For each model field, the function that writes its values as COPY text: a nullable one
    `text`, text through `escaped`, dates and times through a memo (each distinct one formatted
    once: formatting one costs more than looking it up), anything else `str`."""
    formats: list[Callable[..., str]] = []
    for field in fields:
        if field.null:
            formats.append(text)
        elif isinstance(field, CharField | TextField):
            formats.append(escaped.__getitem__)
        elif isinstance(field, DateField):  # DateTimeField too
            formats.append(Escaped().__getitem__)
        else:
            formats.append(str)
    return formats


def rows_text(rows: Iterable[Sequence], formats: Sequence[Callable[..., str]]) -> Iterator[str]:
    """Each row as one line of COPY text, value k written by `formats[k]`."""
    for row in rows:
        yield "\t".join(map(call, formats, row)) + "\n"


def chunks(lines: Iterable[str]) -> Iterator[str]:
    """The lines joined in pieces of about `CHUNK_CHARS` characters."""
    piece: list[str] = []
    size = 0
    for line in lines:
        piece.append(line)
        size += len(line)
        if size >= CHUNK_CHARS:
            yield "".join(piece)
            piece, size = [], 0
    if piece:
        yield "".join(piece)


def write_chunked(copy, lines: Iterable[str]) -> None:
    """Send the lines to a COPY in pieces of about `CHUNK_CHARS` characters."""
    for piece in chunks(lines):
        copy.write(piece)
