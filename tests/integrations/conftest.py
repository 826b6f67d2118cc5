import pytest

from netsuite_sandbox.testing import running_sandbox
from tests.sandbox_address import simulator_allowed


@pytest.fixture(scope="module")
def sandbox_server(tmp_path_factory):
    """One simulator process per module; tests reset its account."""
    # With the server setting that lets credentials go to the simulator (./run demo sets it too).
    with (
        running_sandbox(tmp_path_factory.mktemp("sandbox")) as sandbox,
        simulator_allowed(sandbox.base_url),
    ):
        yield sandbox


@pytest.fixture
def sandbox(sandbox_server):
    sandbox_server.reset()
    yield sandbox_server
    sandbox_server.reset()
