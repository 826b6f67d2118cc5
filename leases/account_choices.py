"""The GL-mapping pickers of a page, from one read of the company's accounts and segments.

A lease form has 23 account pickers and 3 segment pickers. Each as a ModelChoiceField runs its
own query and renders every option through the widget templates, which with a chart of a few
hundred accounts is thousands of template renders (over a second). Here the company's active
accounts and segments are read once, each option is written once as HTML, and every picker
joins the options of the accounts that fit it (the same choices, in the same order).
"""

from __future__ import annotations

from html import escape

from django import forms
from django.utils.choices import BaseChoiceIterator
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from leases.models import ACCOUNT_FIELDS, SEGMENT_FIELDS, GLAccount, Segment, account_fits


def _attrs(attrs: dict) -> str:
    """The attributes as Django's widget template writes them (True alone, False left out)."""
    return format_html_join(
        "",
        " {}{}",
        (
            (name, "" if value is True else format_html('="{}"', value))
            for name, value in attrs.items()
            if value is not False
        ),
    )


class _Choices(BaseChoiceIterator):
    """The picker's (value, label) pairs, read from its options when asked (Django's widget
    would otherwise copy every choice of every picker when the widget is built)."""

    def __init__(self, blank_label: str | None, options: list[tuple]):
        self.blank_label = blank_label
        self.options = options

    def __iter__(self):
        if self.blank_label is not None:
            yield ("", self.blank_label)
        for value, label, _ in self.options:
            yield (value, label)


class PreparedSelect(forms.Select):
    """A select whose options were written as HTML beforehand, shared with other pickers.

    `options` holds (value, label, option HTML) for each choice after the blank one; only the
    selected option is written again, with its `selected` attribute.
    """

    def __init__(self, attrs=None, *, blank_label: str | None, options: list[tuple]):
        super().__init__(attrs)
        self.blank_label = blank_label
        self.options = options
        self.choices = _Choices(blank_label, options)

    def render(self, name, value, attrs=None, renderer=None):
        chosen = self.format_value(value)[:1]  # a single select shows its first value
        parts = [
            format_html('<select name="{}"{}>', name, _attrs(self.build_attrs(self.attrs, attrs)))
        ]
        found = False
        if self.blank_label is not None:
            found = chosen == [""]
            parts.append(
                format_html(
                    '<option value=""{}>{}</option>', " selected" if found else "", self.blank_label
                )
            )
        for option_value, label, html in self.options:
            if not found and chosen == [option_value]:
                found = True
                parts.append(
                    format_html('<option value="{}" selected>{}</option>', option_value, label)
                )
            else:
                parts.append(html)
        parts.append("</select>")
        # Every part is escaped: format_html's output, or an option written by `_options`.
        return mark_safe("".join(parts))  # noqa: S308


def _options(rows) -> dict[int, tuple]:
    """(value, label, option HTML) by primary key; the label escaped as Django's escape does
    (the standard library's, which it wraps), without its per-call checks on every row."""
    options = {}
    for row in rows:
        label = str(row)
        options[row.pk] = (str(row.pk), label, f'<option value="{row.pk}">{escape(label)}</option>')
    return options


def share_mapping_choices(
    form: forms.Form,
    company,
    *,
    accounts: list[GLAccount] | None = None,
    fitting_types: dict[str, set[str]] | None = None,
) -> None:
    """Give the form's account and segment pickers one shared read of the company's choices.

    The pickers keep their querysets (set by the form: only active accounts of a fitting type,
    only the company's segments of the kind), so a submitted value is checked as before; only
    how the choices are read and drawn changes. A form that has read the company's active
    accounts, and worked out which types fit each picker, hands them over (no second read).
    """
    if accounts is None:
        # By the company's id: filtering by the instance would set it on every row read.
        accounts = list(GLAccount.objects.filter(company_id=company.pk, is_active=True))
    if fitting_types is None:
        types = {a.account_type for a in accounts}  # a chart has a handful of types
        fitting_types = {
            name: {t for t in types if account_fits(name, t)} for name in ACCOUNT_FIELDS.values()
        }
    segments = list(Segment.objects.filter(company_id=company.pk, is_active=True))
    account_options, segment_options = _options(accounts), _options(segments)
    pickers = [
        (name, [account_options[a.pk] for a in accounts if a.account_type in fitting_types[name]])
        for name in ACCOUNT_FIELDS.values()
    ] + [
        (name, [segment_options[s.pk] for s in segments if s.kind == kind])
        for kind, name in SEGMENT_FIELDS.items()
    ]
    for name, options in pickers:
        field = form.fields.get(name)
        if field is None:
            continue
        widget = PreparedSelect(field.widget.attrs, blank_label=field.empty_label, options=options)
        widget.is_required = field.widget.is_required
        widget.is_localized = field.widget.is_localized
        field.widget = widget
