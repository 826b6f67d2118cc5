import pytest
from django.test import Client

from tests.leases.factories import set_up_accounting


@pytest.fixture
def subsidiary(personas):
    """Our company's chart of accounts, complete GL defaults and its subsidiary 'Acme US'."""
    return set_up_accounting(personas.company)


@pytest.fixture
def other_subsidiary(personas):
    return set_up_accounting(personas.other_company, subsidiary="Globex UK")


@pytest.fixture
def amy(personas):
    """A client signed in as the accountant."""
    client = Client()
    client.force_login(personas.accountant.user)
    return client
