"""The NetSuite connection form: normalises what admins paste and says what is expected."""

import re

from django import forms
from django.core.validators import validate_email

from integrations.crypto import CredentialDecryptionError
from integrations.models import SECRET_FIELDS, NetSuiteConnection, RemovalMethod, Transport
from integrations.netsuite.accounts import InvalidAccountIdError, parse_account_id
from integrations.netsuite.credentials import InvalidCredentialError, NetSuiteCredentials
from integrations.netsuite.hosts import AddressNotAllowedError
from integrations.services.connection import allowed_base_url, connection_credentials
from occupier.cleaning import CleanForm, CleanModelForm

WHERE_TO_FIND = {
    "account_id": "NetSuite: Setup → Company → Company Information → Account ID. Sandboxes end "
    "in _SB1 (or -sb1); you may also paste your NetSuite address.",
    "consumer_key": "Shown once when the integration record is saved: Setup → Integration → "
    "Manage Integrations → New (enable Token-Based Authentication).",
    "consumer_secret": "Shown once, next to the Consumer Key, when the integration record is "
    "saved.",
    "token_id": "Shown once when the access token is created: Setup → Users/Roles → Access "
    "Tokens → New (choose the integration, the user and a role with web services rights).",
    "token_secret": "Shown once, next to the Token ID, when the access token is created.",
}


class ConnectionForm(CleanForm):
    enabled = forms.BooleanField(
        label="NetSuite integration enabled",
        required=False,
        help_text="When on, people with “Allow access to lease accounting integrations” can "
        "send closed periods to NetSuite.",
    )
    account_id = forms.CharField(
        label="Account ID", max_length=200, help_text=WHERE_TO_FIND["account_id"]
    )
    consumer_key = forms.CharField(
        label="Consumer Key",
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=WHERE_TO_FIND["consumer_key"],
    )
    consumer_secret = forms.CharField(
        label="Consumer Secret",
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=WHERE_TO_FIND["consumer_secret"],
    )
    token_id = forms.CharField(
        label="Token ID",
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=WHERE_TO_FIND["token_id"],
    )
    token_secret = forms.CharField(
        label="Token Secret",
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=WHERE_TO_FIND["token_secret"],
    )
    transport = forms.ChoiceField(
        choices=Transport.choices,
        initial=Transport.REST,
        help_text="REST suits most companies and sends one entry a request. SOAP sends up to "
        "200 entries a request, so for a period of a few hundred entries or more it is at "
        "least ten times faster (5,000 entries: 9 to 17 seconds instead of nearly 3 minutes, "
        "at 5 concurrent requests). Choose SOAP if SOAP Web Services is enabled in your NetSuite "
        "account; removals still go over REST.",
    )
    concurrency_limit = forms.IntegerField(
        label="Concurrent requests",
        min_value=1,
        max_value=50,
        initial=4,
        help_text="How many requests we send at once. NetSuite allows 5 per account on the "
        "standard tier (more with SuiteCloud Plus); keep one free for other integrations.",
    )
    base_url = forms.CharField(
        label="NetSuite address override",
        required=False,
        max_length=200,
        help_text="Leave blank for a real NetSuite account. Only NetSuite's own addresses, or "
        "the simulator this server is configured for, are accepted.",
    )
    save_disabled_if_unverified = forms.BooleanField(
        label="If verification fails, save anyway with the integration disabled",
        required=False,
    )

    def __init__(self, *args, connection: NetSuiteConnection, **kwargs):
        super().__init__(*args, **kwargs)
        self.connection = connection
        for name in SECRET_FIELDS:
            hint = getattr(connection, f"{name}_hint")
            if hint:
                self.fields[name].widget.attrs["placeholder"] = (
                    f"Saved (ends in …{hint}); leave blank to keep"
                )

    def clean_base_url(self) -> str:
        try:
            return allowed_base_url(self.cleaned_data["base_url"].strip())
        except AddressNotAllowedError as error:
            raise forms.ValidationError(error.user_message()) from None

    def clean_account_id(self) -> str:
        try:
            return parse_account_id(self.cleaned_data["account_id"]).realm
        except InvalidAccountIdError as error:
            raise forms.ValidationError(error.user_message) from None

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        typed = {name: (cleaned.get(name) or "").strip() for name in SECRET_FIELDS}
        missing = [
            self.fields[name].label
            for name in SECRET_FIELDS
            if not typed[name] and not getattr(self.connection, f"{name}_encrypted")
        ]
        for label in missing:
            name = next(n for n in SECRET_FIELDS if self.fields[n].label == label)
            self.add_error(name, f"Enter the {label}. {WHERE_TO_FIND[name]}")
        if missing:
            return cleaned
        try:
            cleaned["credentials"] = (
                connection_credentials(
                    self.connection, {**typed, "account_id": cleaned["account_id"]}
                )
                if self.connection.pk
                else NetSuiteCredentials.from_input(account_id=cleaned["account_id"], **typed)
            )
        except InvalidCredentialError as error:
            self.add_error(error.field, error.user_message)
        except CredentialDecryptionError as error:
            self.add_error(None, str(error))
        cleaned["secrets"] = typed
        return cleaned


class ReferenceMappingForm(CleanModelForm):
    """Say which NetSuite record one of our names stands for."""

    class Meta:
        from integrations.models import ReferenceMapping

        model = ReferenceMapping
        fields = ["kind", "our_value", "netsuite_value"]
        help_texts = {
            "our_value": "Exactly as it appears on the journal entry in Occupier, e.g. the "
            "department name or the account number.",
            "netsuite_value": "Exactly as NetSuite names it (for accounts: the account number).",
        }

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.company = company

    def clean(self):
        cleaned = super().clean()
        for name in ("our_value", "netsuite_value"):
            if cleaned.get(name):
                cleaned[name] = cleaned[name].strip()
        return cleaned


class ReferencePickForm(CleanForm):
    """Map one of our values to a discovered NetSuite record chosen in a picker."""

    kind = forms.ChoiceField(choices=[])
    our_value = forms.CharField(max_length=200)
    netsuite_record = forms.CharField(
        label="NetSuite record",
        max_length=400,
        help_text="Start typing the name or number and choose from the list.",
    )

    def __init__(self, *args, company, **kwargs):
        from integrations.models import ReferenceKind

        super().__init__(*args, **kwargs)
        self.company = company
        self.fields["kind"].choices = [
            c for c in ReferenceKind.choices if c[0] != ReferenceKind.CURRENCY
        ]

    def clean(self):
        from integrations.models import NetSuiteRecord
        from integrations.services.preflight import KINDS

        cleaned = super().clean()
        kind, text = cleaned.get("kind"), (cleaned.get("netsuite_record") or "").strip()
        if not kind or not text:
            return cleaned
        records = NetSuiteRecord.objects.filter(company=self.company, record_type=KINDS[kind][0])
        # The picker's options end with "(#internal id)"; a typed exact name or number works too.
        match = re.search(r"\(#([^)]+)\)\s*$", text)
        found = (
            records.filter(internal_id=match.group(1)).first()
            if match
            else records.filter(key=text).first()
        )
        if found is None:
            raise forms.ValidationError(
                {
                    "netsuite_record": "Choose a record from the list (refresh from NetSuite if "
                    "it is missing)."
                }
            )
        if not found.usable:
            raise forms.ValidationError(
                {
                    "netsuite_record": f"{found.display} is inactive or gone in NetSuite; choose "
                    "an active record."
                }
            )
        cleaned["record"] = found
        return cleaned


class SyncSettingsForm(CleanForm):
    """Company-level sync choices a company admin makes: removals and who gets outcome emails."""

    removal_method = forms.ChoiceField(
        label="When an entry leaves our books after it was sent",
        choices=RemovalMethod.choices,
        widget=forms.RadioSelect,
        help_text="When the entry's NetSuite period is closed, a reversal is posted either way: "
        "NetSuite refuses to delete there.",
    )
    notify_emails = forms.CharField(
        label="Also email every sync outcome to",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "finance@example.com"}),
        help_text="One address a line (for example the finance team's). The person who pressed "
        "Sync always gets the email too.",
    )

    def clean_notify_emails(self) -> str:
        addresses = [a.strip() for a in re.split(r"[\s,;]+", self.cleaned_data["notify_emails"])]
        addresses = [a for a in addresses if a]
        bad = []
        for address in addresses:
            try:
                validate_email(address)
            except forms.ValidationError:
                bad.append(address)
        if bad:
            raise forms.ValidationError(
                f"Not an email address: {', '.join(bad[:5])}. Write one address a line."
            )
        if len(addresses) > 20:
            raise forms.ValidationError("At most 20 addresses; use a team address instead.")
        seen: list[str] = []
        for address in addresses:
            if address.lower() not in {s.lower() for s in seen}:
                seen.append(address)
        return "\n".join(seen)
