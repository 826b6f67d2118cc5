from zoneinfo import available_timezones

from django import forms

from companies.models import Company, Membership, Permission, User
from occupier.cleaning import CleanForm, CleanModelForm


class MembershipFlagsForm(CleanModelForm):
    """The permission flags of one member."""

    class Meta:
        model = Membership
        fields = [p.value for p in Permission]
        labels = {p.value: p.label for p in Permission}


class CompanySettingsForm(CleanModelForm):
    """What a company admin may change about the company itself."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Left out of a post (an older page, a script), the convention stays as it is.
        self.fields["day_count"].required = False

    def clean_day_count(self) -> str:
        return self.cleaned_data.get("day_count") or self.instance.day_count

    time_zone = forms.ChoiceField(
        label="Time zone",
        choices=[(zone, zone.replace("_", " ")) for zone in sorted(available_timezones())],
        help_text="Times are shown in this zone, with the zone's name beside them.",
    )

    class Meta:
        model = Company
        fields = [
            "name",
            "default_standard",
            "journal_granularity",
            "day_count",
            "date_format",
            "time_zone",
            "require_mfa",
        ]
        labels = {
            "name": "Company name",
            "date_format": "Dates",
            "default_standard": "Default accounting standard",
            "journal_granularity": "Journal entries",
            "day_count": "Partial months",
            "require_mfa": "Require two-factor sign-in for admins and integration settings",
        }
        help_texts = {
            "default_standard": "New leases start with this standard; each lease can differ.",
            "journal_granularity": "How a closed period's lines are grouped into journal entries. "
            "Applies to periods closed from now on; closed periods keep their entries.",
            "day_count": "A lease that commences, changes or ends inside a month: actual days "
            "prorates that month by its days and accrues interest day by day to the month end; "
            "whole months counts every date from the 1st of its month. Changing it recomputes "
            "the open months of such leases; closed periods keep their entries.",
        }


class ProfileForm(CleanModelForm):
    """What a person may change about themselves: the zone their times are shown in."""

    def __init__(self, *args, company: Company, **kwargs):
        super().__init__(*args, **kwargs)
        company_zone = company.time_zone.replace("_", " ")
        self.fields["time_zone"] = forms.ChoiceField(
            label="Your time zone",
            required=False,
            choices=[("", f"The company's ({company_zone})")]
            + [(zone, zone.replace("_", " ")) for zone in sorted(available_timezones())],
            help_text="Times are shown to you in this zone, with the zone's name beside them.",
        )

    class Meta:
        model = User
        fields = ["time_zone"]


def _flag_field(permission: Permission) -> forms.BooleanField:
    """A permission's tick box, with the same label and help text as on a member's page."""
    help_text = Membership._meta.get_field(permission.value).help_text
    return forms.BooleanField(label=permission.label, help_text=help_text, required=False)


class InviteForm(CleanForm):
    """Invite a person by email, with the permissions they get in this company."""

    email = forms.EmailField(label="Email address")
    full_name = forms.CharField(label="Name", max_length=150, required=False)
    is_company_admin = _flag_field(Permission.COMPANY_ADMIN)
    can_access_lease_accounting = _flag_field(Permission.LEASE_ACCOUNTING)
    can_view_lease_accounting = _flag_field(Permission.VIEW_LEASE_ACCOUNTING)
    can_access_integrations = _flag_field(Permission.INTEGRATIONS)
    can_manage_integration_settings = _flag_field(Permission.INTEGRATION_SETTINGS)

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def flags(self) -> dict[str, bool]:
        return {p.value: self.cleaned_data[p.value] for p in Permission}
