import pytest


@pytest.fixture(autouse=True)
def _local_ca(local_ca):
    """Every renewal test issues real certificates from the local CA."""
    return local_ca
