"""Signing staff in for tests: the password and a verified second factor, as the admin requires of everyone.

`staff_login(client, user)` is what a staff member's browser holds after /admin/login/ and /conta/segundo-fator/
verificar/: a session of `user` marked by django_otp.login with one of their confirmed TOTP devices (made when they
have none). It changes no rule: the middleware and the admin site check the same session key in tests as anywhere.
"""

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


def totp_device(user) -> TOTPDevice:
    """The user's confirmed TOTP device (an enrolled authenticator app), made when they have none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Aplicativo autenticador", confirmed=True)


def totp_code(device: TOTPDevice) -> str:
    """The code the authenticator app shows now (the clock time_machine moves, as the server's)."""
    return f"{totp(device.bin_key, t0=device.t0, step=device.step, digits=device.digits):0{device.digits}d}"


def staff_login(client: Client | None, user) -> Client:
    """`client` (a new one when None) signed in as `user` with a verified second factor."""
    client = client or Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id
    session.save()
    return client
