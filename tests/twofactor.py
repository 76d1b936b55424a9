"""Two-factor sign-in in tests: set up an authenticator through the real services, and compute the
code an authenticator app would show (one not used yet: a TOTP code is accepted once)."""

from __future__ import annotations

import time

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from gonghui.accounts import twofactor


def code_for(device: TOTPDevice) -> str:
    """A code the device accepts now: this time step's, or the next one's (django-otp's tolerance of
    one step) when this one was used already; waits for a fresh step when both were."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    while True:
        now = time.time()
        for offset in (0, 1):
            totp.time = now + offset * device.step
            if totp.t() > device.last_t:
                return f"{totp.token():0{device.digits}d}"
        time.sleep(device.step - now % device.step + 0.05)


def enrol(user) -> tuple[TOTPDevice, list[str]]:
    """Set up an authenticator for `user` as they would at sign-in; returns it and the recovery codes."""
    pending = twofactor.authenticator_enrol_start(user=user)
    codes = twofactor.authenticator_enrol_confirm(user=user, code=code_for(pending))
    return TOTPDevice.objects.get(pk=pending.pk), codes


def sign_in(client, username: str, password: str, *, next_url: str = ""):
    """Through the login page, the code step included (setting up an authenticator first when the
    account has none). Returns the last response."""
    from gonghui.accounts.models import User

    url = "/accounts/login/" + (f"?next={next_url}" if next_url else "")
    response = client.post(url, {"username": username, "password": password})
    location = response.get("Location", "")
    user = User.objects.get(username=username)
    if location.endswith("/accounts/login/enrol/"):
        client.get(location)
        device = TOTPDevice.objects.get(user=user, confirmed=False)
        response = client.post(location, {"code": code_for(device)})
    elif location.endswith("/accounts/login/verify/"):
        device = TOTPDevice.objects.get(user=user, confirmed=True)
        response = client.post(location, {"code": code_for(device)})
    return response
