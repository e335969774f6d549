"""The embedded default of SITE_URL: the address `manage.py runserver` was asked to serve, in each of its forms."""

import pytest

from tecnosign.served import served_site_url


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["manage.py", "runserver", "127.0.0.1:8300"], "http://127.0.0.1:8300"),
        (["manage.py", "runserver", "8300"], "http://127.0.0.1:8300"),
        (["manage.py", "runserver", "--noreload", "localhost:8301"], "http://localhost:8301"),
        (["manage.py", "runserver", "0.0.0.0:8302"], "http://127.0.0.1:8302"),
        (["manage.py", "runserver", "[::1]:8303"], "http://[::1]:8303"),
        (["manage.py", "runserver"], "http://127.0.0.1:8000"),
        (["manage.py", "load_demo"], None),
        (["manage.py", "runserver", "not an address"], None),
        (["pytest"], None),
    ],
)
def test_the_address_served_becomes_the_site_url(argv, expected):
    assert served_site_url(argv) == expected
