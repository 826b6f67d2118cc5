"""Forms of the close books pages."""

from django import forms

from occupier.cleaning import CleanForm


class ReopenForm(CleanForm):
    """The written reason a closed period is reopened; it is kept in the audit log."""

    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text="Why the period must change. Kept with the period and in the audit log.",
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Write why the period is reopened.")
        return reason
