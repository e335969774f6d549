"""Argon2id at OWASP's recommended minimum: 19 MiB of memory, 2 passes, 1 lane.

Django's own Argon2 parameters (100 MiB, 2 passes, 8 lanes) cost about 220 ms of CPU a hash on this project's
2-core machine, and the checkout hashes two passwords: under 50 concurrent buyers the sync workers were busy
hashing while the other customers' pages waited (bench/pages.py --checkout, numbers in the README). At OWASP's
minimum a hash costs about 20 ms. Hashes made with other parameters still verify and are re-made with these
at the next successful sign-in (Django's `must_update`).
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idOwaspHasher(Argon2PasswordHasher):
    # The same algorithm name: hashes stay "argon2$argon2id$…" and interchangeable with Django's hasher.
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
