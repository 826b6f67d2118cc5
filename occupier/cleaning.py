"""Input cleaning shared by every form and import: bad input gets a sentence, never a 500.

What the database would refuse, or what cannot be meant, is caught here first:

- control characters (a NUL byte above all: PostgreSQL cannot store it) and the other characters
  no XML can carry (U+FFFE, U+FFFF, half a surrogate pair) in any text (`occupier.text_rules`);
- numbers beyond what a column can hold (`1e309`, 20-digit integers, `NaN`, `Infinity`);
- web addresses that cannot be parsed (`http://[::1`, a port of 99999).

Forms: inherit `CleanForm` / `CleanModelForm` (or put `CleanInputMixin` first in the bases).
Imports: pass every cell through `clean_cell` and numbers through `check_decimal` /
`check_integer`; each raises `BadValue`, whose `reason` completes "Line N, column C: …".
See docs/input-cleaning.md.
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlsplit

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.http import HttpResponseBadRequest

from occupier.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS
from occupier.text_rules import input_refusal

# The range of PostgreSQL's `integer`, the narrowest integer column a form may feed.
INTEGER_MIN, INTEGER_MAX = -(2**31), 2**31 - 1
# Longest single value a form accepts at all (longer text fields declare their own limit).
MAX_VALUE_LENGTH = 100_000


class BadValue(ValueError):
    """A value that cannot be stored; `reason` is a sentence fragment for the user."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def text_problem(value: str) -> str | None:
    """Why a text cannot be accepted as typed, or None."""
    # One rule with what a journal entry can send to NetSuite (SOAP is XML 1.0).
    refusal = input_refusal(value)
    if refusal:
        return refusal
    if len(value) > MAX_VALUE_LENGTH:
        return f"is {len(value):,} characters long; at most {MAX_VALUE_LENGTH:,} are accepted."
    return None


def clean_cell(value: str) -> str:
    """One imported cell, stripped; BadValue when it holds a control character."""
    problem = text_problem(value)
    if problem:
        raise BadValue(problem)
    return value.strip()


def check_decimal(
    number: Decimal,
    *,
    max_digits: int = MONEY_MAX_DIGITS,
    decimal_places: int = MONEY_DECIMAL_PLACES,
) -> Decimal:
    """The number if a column of this precision can hold it; else BadValue."""
    if not number.is_finite():
        raise BadValue("is not a number.")
    limit = Decimal(10) ** (max_digits - decimal_places)
    if abs(number) >= limit:
        raise BadValue(f"is too large: it must be below {limit:,.0f}.")
    return number


def check_integer(number: int, *, minimum: int = INTEGER_MIN, maximum: int = INTEGER_MAX) -> int:
    """The number if an integer column can hold it; else BadValue."""
    if not minimum <= number <= maximum:
        raise BadValue(f"must be between {minimum:,} and {maximum:,}.")
    return number


def check_url(value: str) -> str:
    """A URL that parses (host present, port in range); else BadValue."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError:
        raise BadValue("is not a valid web address.") from None
    if not parts.scheme or not parts.hostname:
        raise BadValue("is not a valid web address (it needs https:// and a host name).")
    return value


def _decimal_in_range(value: Decimal) -> None:
    try:
        check_decimal(value)
    except BadValue as error:
        raise forms.ValidationError(f"This number {error.reason}") from None


class CleanInputMixin:
    """Refuse control characters in every submitted value, with a message on its field, before
    any field parses it; bound numbers a form leaves open to what the database can store."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DecimalField) and field.max_digits is None:
                field.validators.append(_decimal_in_range)
            elif isinstance(field, forms.IntegerField):
                if field.max_value is None:
                    field.validators.append(MaxValueValidator(INTEGER_MAX))
                if field.min_value is None:
                    field.validators.append(MinValueValidator(INTEGER_MIN))

    def full_clean(self) -> None:
        refused: dict[str, str] = {}
        if self.is_bound and hasattr(self.data, "getlist"):
            data = self.data.copy()
            for name in self.fields:
                key = self.add_prefix(name)
                for value in data.getlist(key):
                    problem = text_problem(value) if isinstance(value, str) else None
                    if problem:
                        refused[name] = f"This value {problem}"
                        # Nothing parses it: a lookup with a NUL byte would fail in PostgreSQL.
                        data.setlist(key, [])
                        break
            if refused:
                self.data = data
        super().full_clean()
        for name, message in refused.items():
            self._errors.pop(name, None)
            self.add_error(name, message)


class CleanForm(CleanInputMixin, forms.Form):
    """A Form whose bad input always ends in a field error (see the module docstring)."""


class CleanModelForm(CleanInputMixin, forms.ModelForm):
    """A ModelForm whose bad input always ends in a field error (see the module docstring)."""


class RefuseControlCharactersMiddleware:
    """A query string holding a control character gets a 400 and a sentence: views filter on
    query parameters (?action=…, ?page=…) without a form, and PostgreSQL cannot hold a NUL."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for key, values in request.GET.lists():
            if any(text_problem(v) for v in [key, *values]):
                return HttpResponseBadRequest(
                    "The address of this page contains an invisible control character (such "
                    "as a NUL byte). Remove it from the address and try again.",
                    content_type="text/plain; charset=utf-8",
                )
        return self.get_response(request)
