"""X.509 building blocks (pure functions over `cryptography` objects, no database)."""
