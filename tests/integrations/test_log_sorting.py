"""The integration log sorts by a column, keeps its filters in the address, and pages."""

import re
from html import unescape

from django.urls import reverse

from integrations.models import SyncRun, SyncStatus
from tests.integrations.test_navigation import client_for, failed_sync  # noqa: F401 (fixture)


def run_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<td><a href="/integrations/runs/\d+/">#(\d+)</a>', html)]


def test_sorting_keeps_the_filter_and_a_second_click_reverses(personas, failed_sync):  # noqa: F811
    period = failed_sync.period
    completed = SyncRun.objects.create(
        company=personas.company,
        period=period,
        close_version=0,  # an older close: not the run in flight
        status=SyncStatus.COMPLETED,
        entries_total=2,
        entries_sent=2,
    )
    client = client_for(personas.reviewer)
    url = reverse("integration_log")

    html = client.get(url, {"period": period.pk, "sort": "failed"}).content.decode()

    assert run_ids(html) == [completed.pk, failed_sync.pk]  # 0 failed, then 1
    header = re.search(
        r'<th class="num" aria-sort="ascending"><a class="sort" href="([^"]+)"', html
    )
    assert unescape(header.group(1)) == f"?period={period.pk}&sort=-failed"
    reversed_html = client.get(url, {"period": period.pk, "sort": "-failed"}).content.decode()
    assert run_ids(reversed_html) == [failed_sync.pk, completed.pk]
    assert 'name="sort" value="-failed"' in reversed_html  # the filter form keeps the order


def test_an_unknown_sort_falls_back_to_newest_first(personas, failed_sync):  # noqa: F811
    html = client_for(personas.reviewer).get(reverse("integration_log"), {"sort": "password"})
    assert html.status_code == 200
    assert run_ids(html.content.decode()) == [failed_sync.pk]
