"""Fixtures any app's tests can use (registered in the root conftest): a local CA made once per session."""

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


@pytest.fixture(scope="session")
def _session_ca(django_db_setup, django_db_blocker, ca_key_source):
    from issuance.services.authority import ca_init

    with django_db_blocker.unblock():
        ca_init(key_source=ca_key_source)


@pytest.fixture
def local_ca(_session_ca, db, ca_key_source):
    """The local CA (root, issuing CA, OCSP responder). Rows made at session start survive each test's
    rollback; after a transactional test flushed them they are made again, with the same keys."""
    from issuance.services.authority import ca_init

    return ca_init(key_source=ca_key_source)
