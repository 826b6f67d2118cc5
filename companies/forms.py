from django import forms

from companies.models import Membership, Permission


class MembershipFlagsForm(forms.ModelForm):
    """The permission flags of one member."""

    class Meta:
        model = Membership
        fields = [p.value for p in Permission]
        labels = {p.value: p.label for p in Permission}
