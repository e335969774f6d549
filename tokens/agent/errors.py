"""Errors the agent answers with: a stable code, an HTTP status and a pt-BR message for the user.

Messages never carry a PIN or PUK: they are built here from fixed text, never from the request body.
"""

import pkcs11
import PyKCS11


class AgentError(Exception):
    status = 400

    def __init__(self, code: str, message: str, *, status: int | None = None, field: str | None = None, **details):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.details = details
        if status is not None:
            self.status = status

    def as_json(self) -> dict:
        error = {"code": self.code, "message": self.message, **self.details}
        if self.field:
            error["field"] = self.field
        return {"error": error}


def bad_field(field: str, message: str) -> AgentError:
    return AgentError("invalid_field", message, status=400, field=field)


def token_absent(serial: str) -> AgentError:
    return AgentError(
        "token_absent",
        f"Nenhum token ou cartão com o número de série {serial} está conectado. Conecte a mídia e tente de novo.",
        status=404,
    )


MEDIA_REMOVED_MESSAGE = (
    "A mídia foi removida ou deixou de responder durante a operação. Conecte-a de novo e confira o resultado "
    "antes de repetir."
)

# The token's own remaining-tries flags, turned into the warning the user needs after a wrong secret.
_TRIES_TEXT = {
    "final": "Atenção: resta apenas uma tentativa — se errar de novo, o {what} será bloqueado.",
    "low": "Atenção: restam poucas tentativas antes do bloqueio do {what}.",
}


def wrong_secret(*, so: bool, remaining: str | None) -> AgentError:
    what = "PUK" if so else "PIN"
    message = f"{what} incorreto."
    if remaining:
        message += " " + _TRIES_TEXT[remaining].format(what=what)
    return AgentError(f"{what.lower()}_incorrect", message, status=422, remaining_tries=remaining)


def locked(*, so: bool) -> AgentError:
    if so:
        return AgentError(
            "puk_locked",
            "O PUK desta mídia está bloqueado. Ela não pode mais ser desbloqueada nem apagada por aqui; "
            "procure o suporte TecnoSign.",
            status=423,
        )
    return AgentError(
        "pin_locked",
        "O PIN desta mídia está bloqueado por excesso de tentativas erradas. Desbloqueie-o com o PUK "
        "(opção “Desbloquear PIN”) e defina um PIN novo.",
        status=423,
    )


def from_pkcs11(exc: Exception, *, so: bool = False, field: str | None = None) -> AgentError:
    """Map a python-pkcs11 exception (other than a wrong PIN, handled with the token's flags) to an answer."""
    what = "PUK" if so else "PIN"
    if isinstance(exc, pkcs11.PinLocked):
        return locked(so=so)
    if isinstance(exc, pkcs11.PinLenRange | pkcs11.PinInvalid | pkcs11.PinTooWeak):
        return AgentError(
            "pin_format", f"O novo {what} não é aceito por esta mídia (tamanho ou caracteres).", field=field
        )
    if isinstance(exc, pkcs11.PinExpired):
        return AgentError("pin_expired", "O PIN desta mídia expirou: troque-o antes de continuar.", status=409)
    if isinstance(exc, pkcs11.UserPinNotInitialized):
        return AgentError(
            "pin_not_initialized",
            "Esta mídia ainda não tem PIN definido. Defina-o com o PUK (“Desbloquear PIN”) ou apague a mídia.",
            status=409,
        )
    if isinstance(
        exc,
        pkcs11.TokenNotPresent
        | pkcs11.DeviceRemoved
        | pkcs11.TokenNotRecognised
        | pkcs11.SessionHandleInvalid
        | pkcs11.SessionClosed,
    ):
        return AgentError("token_removed", MEDIA_REMOVED_MESSAGE, status=409)
    if isinstance(exc, pkcs11.TokenWriteProtected):
        return AgentError("token_write_protected", "A mídia está protegida contra gravação.", status=409)
    if isinstance(exc, pkcs11.DeviceMemory):
        return AgentError("token_full", "Não há espaço livre na mídia para esta operação.", status=507)
    return AgentError(
        "device_error",
        f"A mídia recusou a operação ({type(exc).__name__}). Confira se ela está bem conectada e tente de novo.",
        status=502,
    )


# PyKCS11 (used only for C_InitToken and C_CloseAllSessions) reports return codes; speak python-pkcs11's.
_RV_TO_PKCS11 = {
    PyKCS11.CKR_PIN_INCORRECT: pkcs11.PinIncorrect,
    PyKCS11.CKR_PIN_LOCKED: pkcs11.PinLocked,
    PyKCS11.CKR_PIN_INVALID: pkcs11.PinInvalid,
    PyKCS11.CKR_PIN_LEN_RANGE: pkcs11.PinLenRange,
    PyKCS11.CKR_TOKEN_NOT_PRESENT: pkcs11.TokenNotPresent,
    PyKCS11.CKR_DEVICE_REMOVED: pkcs11.DeviceRemoved,
    PyKCS11.CKR_TOKEN_NOT_RECOGNIZED: pkcs11.TokenNotRecognised,
    PyKCS11.CKR_TOKEN_WRITE_PROTECTED: pkcs11.TokenWriteProtected,
    PyKCS11.CKR_SESSION_EXISTS: pkcs11.SessionExists,
    PyKCS11.CKR_DEVICE_MEMORY: pkcs11.DeviceMemory,
}


def as_pkcs11_error(exc: PyKCS11.PyKCS11Error) -> pkcs11.PKCS11Error:
    return _RV_TO_PKCS11.get(exc.value, pkcs11.GeneralError)(str(exc))
