"""A printed report's "printed" stamp uses the company's date format and the reader's time
zone, with the zone's name, like every other time on the page."""

from datetime import UTC, datetime
from unittest import mock

from django.urls import reverse

# 13:05 UTC on 1 Jul 2026 is 22:05 in Tokyo and 09:05 in New York.
PRINTED_AT = datetime(2026, 7, 1, 13, 5, tzinfo=UTC)


def _stamp(client) -> str:
    with mock.patch("django.utils.timezone.now", return_value=PRINTED_AT):
        page = client.get(reverse("reports_trial_balance"), {"format": "print"}).content.decode()
    return page.split('<p class="print-only">', 1)[1].split("</p>", 1)[0]


def test_the_stamp_uses_the_companys_date_format_and_time_zone(client, personas):
    company = personas.company
    company.date_format, company.time_zone = "d/m/Y", "Asia/Tokyo"
    company.save(update_fields=["date_format", "time_zone"])
    client.force_login(personas.accountant.user)

    assert _stamp(client) == f"{company.name} · printed 01/07/2026, 22:05 JST"


def test_the_stamp_uses_the_readers_own_time_zone_when_they_chose_one(client, personas):
    company = personas.company
    company.date_format = "M j, Y"
    company.save(update_fields=["date_format"])
    reader = personas.accountant.user
    reader.time_zone = "America/New_York"
    reader.save(update_fields=["time_zone"])
    client.force_login(reader)

    assert _stamp(client) == f"{company.name} · printed Jul 1, 2026, 09:05 EDT"
