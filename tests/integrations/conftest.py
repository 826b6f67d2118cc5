import pytest

from netsuite_sandbox.testing import running_sandbox


@pytest.fixture(scope="module")
def sandbox_server(tmp_path_factory):
    """One simulator process per module; tests reset its account."""
    with running_sandbox(tmp_path_factory.mktemp("sandbox")) as sandbox:
        yield sandbox


@pytest.fixture
def sandbox(sandbox_server):
    sandbox_server.reset()
    yield sandbox_server
    sandbox_server.reset()
