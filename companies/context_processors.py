from companies.selectors import memberships_for_user


def current_company(request) -> dict:
    """The current company, membership and the switcher's choices, for the base template."""
    membership = getattr(request, "membership", None)
    choices = []
    if membership is not None:
        choices = memberships_for_user(request.user)
    return {
        "company": getattr(request, "company", None),
        "membership": membership,
        "company_choices": choices,
    }
