"""The second factor's pages (/conta/…, reachable before the factor is verified) and the staff sessions page."""

from base64 import b32encode
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from tecnosign.audit.services import Actor

from .forms import CodeForm, EnrolCodeForm
from .selectors import has_second_factor, second_factor_required, user_factors
from .services.factors import (
    FactorRefused,
    factor_remove,
    factor_verify,
    recovery_codes_issue,
    totp_confirm,
    totp_enrolment_device,
)
from .services.sessions import active_sessions, user_sessions_end

RECOVERY_ONCE = "recovery_codes_once"  # codes just issued, shown once by the recovery-codes page


def _verified(request) -> bool:
    return request.user.is_verified()


def next_url(request) -> str:
    """Where to go once the factor is settled: the `next` asked for when it is on this site, else the user's home."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(wanted, {request.get_host()}, require_https=request.is_secure()):
        return wanted
    return reverse("admin:index") if request.user.is_staff else reverse("partners:dashboard")


def _with_next(name: str, request) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url(request)})}"


def _qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return image.to_string(encoding="unicode")


def _grouped(base32: str) -> str:
    return " ".join(base32[i : i + 4] for i in range(0, len(base32), 4))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def enrol(request):
    """Set up the second factor (a TOTP app or a passkey), or manage the ones a verified session has."""
    if has_second_factor(request.user) and not _verified(request):
        return redirect(_with_next("accounts:verify", request))
    factors = user_factors(request.user)
    device = None if factors["totp"] else totp_enrolment_device(user=request.user)
    form = EnrolCodeForm(request.POST or None)
    if request.method == "POST":
        if device is None:
            return redirect(_with_next("accounts:enrol", request))
        if form.is_valid():
            try:
                codes = totp_confirm(
                    request=request, device=device, code=form.cleaned_data["code"], actor=Actor.from_request(request)
                )
            except FactorRefused as refused:
                form.add_error("code", refused.message)
            else:
                request.session[RECOVERY_ONCE] = codes
                messages.success(request, "Aplicativo autenticador cadastrado.")
                return redirect(_with_next("accounts:recovery-codes", request) if codes else next_url(request))
    context = {
        "form": form,
        "factors": factors,
        "required": second_factor_required(request.user),
        "next": next_url(request),
        "recovery_url": _with_next("accounts:recovery-codes", request),
    }
    if device is not None:
        context.update(
            totp_uri=device.config_url,
            totp_qr=mark_safe(_qr_svg(device.config_url)),  # noqa: S308 (SVG made here from our own URI)
            totp_secret=_grouped(b32encode(device.bin_key).decode()),
        )
    return render(request, "accounts/enrol.html", context, status=400 if form.errors else 200)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def verify(request):
    """This session proves the second factor: a TOTP code, a recovery code, or a passkey."""
    if _verified(request):
        return redirect(next_url(request))
    if not has_second_factor(request.user):
        return redirect(_with_next("accounts:enrol", request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _, left = factor_verify(request=request, code=form.cleaned_data["code"], actor=Actor.from_request(request))
        except FactorRefused as refused:
            form.add_error("code", refused.message)
        else:
            if left is not None:
                messages.warning(
                    request, f"Código de recuperação usado. Restam {left}. Gere novos em “Verificação em duas etapas”."
                )
            return redirect(next_url(request))
    context = {
        "form": form,
        "factors": user_factors(request.user),
        "next": next_url(request),
    }
    return render(request, "accounts/verify.html", context, status=400 if form.errors else 200)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def recovery_codes(request):
    """The recovery codes just issued (shown once), or new ones on request; only from a verified session."""
    if not _verified(request):
        return redirect(_with_next("accounts:verify", request))
    if request.method == "POST":
        request.session[RECOVERY_ONCE] = recovery_codes_issue(user=request.user, actor=Actor.from_request(request))
        return redirect(_with_next("accounts:recovery-codes", request))
    codes = request.session.pop(RECOVERY_ONCE, None)
    context = {"codes": codes, "left": user_factors(request.user)["recovery_codes_left"], "next": next_url(request)}
    return render(request, "accounts/recovery_codes.html", context)


@never_cache
@login_required
@require_POST
def factor_delete(request, kind: str, pk: int):
    if not _verified(request):
        return redirect(_with_next("accounts:verify", request))
    model = {"totp": TOTPDevice, "passkey": WebAuthnCredential}.get(kind)
    device = model.objects.filter(pk=pk, user=request.user, confirmed=True).first() if model else None
    if device is None:
        raise Http404("Método não encontrado.")
    try:
        factor_remove(request=request, device=device, actor=Actor.from_request(request))
    except FactorRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, "Método removido. As suas outras sessões foram encerradas.")
    return redirect(_with_next("accounts:enrol", request))


@never_cache
def staff_sessions(request):
    """The admin's "Minhas sessões": where this account is signed in, and signing out of the others or of all."""
    if request.method == "POST":
        everywhere = request.POST.get("scope") == "all"
        current = request.session.session_key
        ended = user_sessions_end(
            user=request.user,
            actor=Actor.from_request(request),
            reason="sign_out_everywhere" if everywhere else "sign_out_others",
            keep=None if everywhere else current,
        )
        if everywhere:
            logout(request)
            messages.success(request, "Você saiu de todos os dispositivos.")
            return redirect("admin:login")
        messages.success(request, f"{ended} outra(s) sessão(ões) encerrada(s).")
        return redirect("admin:staff_sessions")
    context = {
        **admin.site.each_context(request),
        "title": "Minhas sessões",
        "sessions": active_sessions(request.user),
        "current": request.session.session_key,
        "idle_minutes": settings.STAFF_SESSION_IDLE_MINUTES,
    }
    return render(request, "admin/accounts/sessions.html", context)
