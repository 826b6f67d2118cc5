"""Server-side permissions on the foundation's pages, for every persona."""

from django.urls import reverse

from tests.permissions import A, Route, X, check_matrix, everyone

ROUTES = [
    Route("home", lambda p: reverse("home"), everyone(200)),
    Route("team list", lambda p: reverse("team_list"), everyone(403, **{A: 200, X: 200})),
    Route(
        "membership edit",
        lambda p: reverse("membership_edit", args=[p.accountant.pk]),
        # The outsider is an admin elsewhere: another company's member is simply not found.
        everyone(403, **{A: 200, X: 404}),
    ),
    Route(
        "membership edit (POST)",
        lambda p: reverse("membership_edit", args=[p.read_only.pk]),
        everyone(403, **{A: 302, X: 404}),
        method="post",
        data=lambda p: {"can_access_lease_accounting": "on"},
    ),
    Route("audit log", lambda p: reverse("audit_log"), everyone(403, **{A: 200, X: 200})),
]


def test_every_foundation_view_answers_each_persona_as_expected(personas):
    assert check_matrix(personas, ROUTES) == []


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    for name in ("home", "team_list", "audit_log"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_a_user_without_any_company_gets_a_clear_page(client, db):
    from tests.factories import make_user

    client.force_login(make_user("nobody"))
    response = client.get(reverse("home"))
    assert response.status_code == 403
    assert b"not a member of any company" in response.content


def test_refused_flag_change_changes_nothing(client, personas):
    client.force_login(personas.accountant.user)
    client.post(
        reverse("membership_edit", args=[personas.read_only.pk]),
        {"is_company_admin": "on"},
    )
    personas.read_only.refresh_from_db()
    assert personas.read_only.is_company_admin is False
