"""Fixtures any app's tests can use (registered in the root conftest): the local CA, with keys made once."""

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa


@pytest.fixture(scope="session")
def ca_key_source():
    """RSA keys for the local CA, generated once per test session (2048 bits: same code, a fraction of the time)."""
    keys = {}

    def source(role, size):
        if role not in keys:
            keys[role] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return keys[role]

    return source


@pytest.fixture
def local_ca(db, ca_key_source):
    """The local CA (root, issuing CA, OCSP responder), made inside the test's transaction with the session's
    keys: signing three certificates costs a few milliseconds."""
    from issuance.services.authority import ca_init

    return ca_init(key_source=ca_key_source)
