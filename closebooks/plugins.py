"""What later apps add to the close pages, so closebooks imports none of them.

Dependencies run one way (closebooks ← integrations): an app that shows something on Closed
Periods, in the close preview or on a journal entry's page registers it here from its
AppConfig.ready(), and the views ask this registry. With nothing registered, the pages show only
the close itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ClosedPeriodsColumn:
    """A column of Closed Periods: `prepare(request, rows)` annotates the rows in place and
    returns context for the page; `template` renders one cell with `period` in its context."""

    title: str
    template: str
    prepare: Callable[..., dict]


@dataclass(frozen=True)
class PreviewSection:
    """A section of the close preview: `prepare(request, period, preview)` returns its context
    (None: nothing to show); `template` renders it."""

    template: str
    prepare: Callable[..., dict | None]


@dataclass(frozen=True)
class EntrySection:
    """A section of a journal entry's page: `prepare(request, entry)` returns its context
    (None: nothing to show); `template` renders it."""

    template: str
    prepare: Callable[..., dict | None]


_columns: dict[str, ClosedPeriodsColumn] = {}
_sections: dict[str, PreviewSection] = {}
_entry_sections: dict[str, EntrySection] = {}


def register_closed_periods_column(name: str, column: ClosedPeriodsColumn) -> None:
    _columns[name] = column  # by name, so a second ready() does not add it twice


def register_preview_section(name: str, section: PreviewSection) -> None:
    _sections[name] = section


def register_entry_section(name: str, section: EntrySection) -> None:
    _entry_sections[name] = section


def closed_periods_columns(request, rows: list) -> tuple[list[ClosedPeriodsColumn], dict]:
    """The registered columns, with the context they prepared for these rows."""
    context: dict = {}
    for column in _columns.values():
        context.update(column.prepare(request, rows) or {})
    return list(_columns.values()), context


def preview_sections(request, period, preview) -> tuple[list[str], dict]:
    """Templates of the sections that have something to show, and their context."""
    templates: list[str] = []
    context: dict = {}
    for section in _sections.values():
        prepared = section.prepare(request, period, preview)
        if prepared is not None:
            templates.append(section.template)
            context.update(prepared)
    return templates, context


def entry_sections(request, entry) -> tuple[list[str], dict]:
    """Templates of a journal entry's sections that have something to show, and their context."""
    templates: list[str] = []
    context: dict = {}
    for section in _entry_sections.values():
        prepared = section.prepare(request, entry)
        if prepared is not None:
            templates.append(section.template)
            context.update(prepared)
    return templates, context
