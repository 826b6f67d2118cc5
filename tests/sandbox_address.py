"""Let the product send credentials to a test's simulator, as the demo's server setting does."""

import os
from contextlib import contextmanager

from django.test import override_settings


@contextmanager
def simulator_allowed(base_url: str):
    """NETSUITE_SANDBOX_URL for this process and for the workers it starts (their environment)."""
    previous = os.environ.get("NETSUITE_SANDBOX_URL")
    os.environ["NETSUITE_SANDBOX_URL"] = base_url
    try:
        with override_settings(NETSUITE_SANDBOX_URL=base_url):
            yield
    finally:
        if previous is None:
            os.environ.pop("NETSUITE_SANDBOX_URL", None)
        else:
            os.environ["NETSUITE_SANDBOX_URL"] = previous
