"""Sentences of the services and the engine as a person reads them on a page.

The engine knows no company and a close on a worker no viewer, and the lease services end an
engine's sentence with the engine's field ("… (annual_rate)") so that a form or an import can
place it. A page shows neither the field name nor a day written 2026-03-31.
"""

from __future__ import annotations

import re
from datetime import date

from companies.templatetags.accounting import company_date

# A lease or change service ends an engine's sentence with the field it is about.
ENGINE_FIELD = re.compile(r"\s*\(([A-Za-z_][\w.\[\]]*)\)$")
# A day written the machine's way inside a sentence, not part of a longer code or key.
ISO_DAY = re.compile(r"(?<![\w-])(\d{4})-(\d{2})-(\d{2})(?![\w-])")


def in_company_format(text: str) -> str:
    """The sentence with each real day in the company's date format (in a request the
    middleware has set it); anything else that looks like one is left as written."""

    def day(match: re.Match) -> str:
        try:
            return company_date(date(int(match[1]), int(match[2]), int(match[3])))
        except ValueError:
            return match[0]

    return ISO_DAY.sub(day, text)


def split_refusal(message: str) -> tuple[str, str]:
    """(the engine field a service's sentence is about or "", the sentence as a person reads
    it: no field name, days in the company's format)."""
    found = ENGINE_FIELD.search(message)
    if not found:
        return "", in_company_format(message)
    field = re.split(r"[.\[]", found[1], maxsplit=1)[0]
    return field, in_company_format(message[: found.start()])


def refusal_sentence(message: str) -> str:
    """A service's refusal as a person reads it."""
    return split_refusal(message)[1]
