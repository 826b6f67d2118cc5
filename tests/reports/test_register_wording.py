"""The journal entry register in a finance user's words: its orders and each line's labels."""

from django.urls import reverse


def test_the_register_names_its_orders_and_labels_each_lines_lease_and_department(client, books):
    client.force_login(books.accountant.user)
    page = client.get(reverse("reports_register") + "?start=2026-01&end=2026-01").content.decode()
    orders = page[page.index("sort:") : page.index("</p>", page.index("sort:"))]
    for words in (
        "oldest period first",
        "newest period first",
        "external ID",
        "smallest amount first",
        "largest amount first",
    ):
        assert f">{words}</a>" in orders
    assert ">-period<" not in orders and ">key<" not in orders  # never the raw sort keys
    # A line's lease and department sit under an entry's Subsidiary and Sync status columns:
    # labelled, they cannot be read as a subsidiary or a status.
    assert 'Lease <span class="nowrap">L-1</span>' in page
    assert "Department: " in page
