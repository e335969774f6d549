import pytest


@pytest.fixture(autouse=True)
def _local_ca(local_ca):
    """Every revocation test issues and revokes at the local CA (root conftest: `local_ca`)."""
    return local_ca
