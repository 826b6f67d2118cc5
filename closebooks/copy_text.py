"""Rows in PostgreSQL's COPY text format, built as one buffer instead of one call per row.

Each value is written as psycopg's text dumpers write it (`str()` of an int, Decimal, date or
aware datetime; `\\N` for NULL), and text is escaped as psycopg escapes it (backslash,
tab, newline, carriage return, backspace, form feed, vertical tab), so the server stores the
same values `cursor.copy(...).write_row(row)` would send. See
https://www.postgresql.org/docs/current/sql-copy.html ("Text Format").
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

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
    """Text escaped for COPY, each distinct string once (a close repeats its account names,
    memos and segments on every line)."""

    def __missing__(self, text: str) -> str:
        escaped = self[text] = text.translate(_ESCAPES)
        return escaped


def rows_text(rows: Iterable[Sequence], escaped: Escaped) -> Iterator[str]:
    """Each row as one line of COPY text: NULL as `\\N`, text escaped, anything else (an int,
    Decimal, date, aware datetime or bool) as its `str()`, which is psycopg's text form (the
    server reads `True`/`False` as booleans)."""
    for row in rows:
        yield (
            "\t".join(
                [
                    escaped[value]
                    if isinstance(value, str)
                    else NULL
                    if value is None
                    else str(value)
                    for value in row
                ]
            )
            + "\n"
        )


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
