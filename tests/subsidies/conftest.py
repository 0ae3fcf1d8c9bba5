import pytest

from tests.subsidies.helpers import Api


@pytest.fixture
def api(client, world, clock):
    return Api(client)


@pytest.fixture
def programmes(api):
    """TZ-1 of 通州 (110112, estate YJL) and CY-1 of 朝阳 (110105, estate HXY), budget 100000 each."""
    api.program("officer", "TZ-1")
    api.program("other_officer", "CY-1")
    return {"TZ-1": "YJL", "CY-1": "HXY"}
