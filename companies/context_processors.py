from companies.navigation import main_menu
from companies.selectors import memberships_for_user


def current_company(request) -> dict:
    """The current company and membership, the switcher's choices and the menu, for base.html."""
    membership = getattr(request, "membership", None)
    choices = []
    if membership is not None:
        choices = memberships_for_user(request.user)
    return {
        "company": getattr(request, "company", None),
        "membership": membership,
        "company_choices": choices,
        "menu": main_menu(membership, request.path),
    }
