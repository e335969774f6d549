"""What the benchmarks share without Django: made-up CPFs with valid check digits, and a scratch database."""

from urllib.parse import urlsplit, urlunsplit


def cpf(n: int) -> str:
    """The n-th CPF (mod 10⁹) with its two check digits: distinct holders that pass the validators."""
    digits = f"{n % 10**9:09d}"
    for _ in range(2):
        total = sum(int(d) * w for d, w in zip(digits, range(len(digits) + 1, 1, -1), strict=True))
        digits += str(total * 10 % 11 % 10)
    return digits


def scratch_database(server_url: str, name: str, *, create: bool) -> str:
    """Drop the database `name` on the server of `server_url` and, with `create`, make it again, empty.

    Returns its URL. The bench never touches the database `server_url` itself names.
    """
    import psycopg2

    parts = urlsplit(server_url)
    connection = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        if create:
            cursor.execute(f"CREATE DATABASE {name}")
    connection.close()
    return urlunsplit(parts._replace(path=f"/{name}"))
