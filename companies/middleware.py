"""Attach the signed-in user's current company and membership to every request."""

from companies.formats import company_formats
from companies.selectors import membership_for_session

SESSION_KEY = "company_id"


class CurrentCompanyMiddleware:
    """Sets request.membership and request.company (both None for anonymous users)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = None
        request.company = None
        if request.user.is_authenticated:
            membership = membership_for_session(request.user, request.session.get(SESSION_KEY))
            if membership is not None:
                request.membership = membership
                request.company = membership.company
        if request.company is None:
            return self.get_response(request)
        with company_formats(request.company, request.user):
            return self.get_response(request)
