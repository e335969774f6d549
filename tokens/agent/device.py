"""Token operations through PKCS#11 (python-pkcs11; PyKCS11 only for what python-pkcs11 lacks).

Rules this module keeps, learnt from python-pkcs11 and SoftHSM2:
- one process-wide lock around every PKCS#11 sequence: concurrent calls crash some modules (SoftHSM);
- tokens are found by serial on every call: slot ids change when a token is re-initialised;
- sessions are opened with `with`; a failed C_Login leaves its session open, so the slot's sessions are
  closed right away (safe: under the lock no other session of ours is open);
- keys are generated with store=True (python-pkcs11 defaults to session objects);
- python-pkcs11 has no C_InitToken: PyKCS11's `initToken`, with the label padded to 32 bytes, does it.
PINs and PUKs are arguments only: never logged, stored or put in an answer.
"""

import base64
import contextlib
import functools
import hashlib
import string
import threading
from contextlib import contextmanager

import pkcs11
import PyKCS11
from asn1crypto import core as asn1_core
from asn1crypto import keys as asn1_keys
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pkcs11 import Attribute, CertificateType, KeyType, Mechanism, ObjectClass, TokenFlag
from pkcs11.attributes import ATTRIBUTE_TYPES, handle_ulong
from pkcs11.util.rsa import encode_rsa_public_key

from . import csr as csr_builder
from . import errors
from .certificates import parse_certificate, parse_chain
from .errors import AgentError, bad_field

# python-pkcs11 0.10 has no codec for CKA_CERTIFICATE_CATEGORY (a CK_ULONG): without it the chain's CA
# certificates could not be told apart from the holder's.
ATTRIBUTE_TYPES.setdefault(Attribute.CERTIFICATE_CATEGORY, handle_ulong)

PKCS11_LOCK = threading.RLock()

RSA_BITS = 2048
LABEL_BYTES = 32
SECRET_CHARACTERS = frozenset(string.ascii_letters + string.digits + string.punctuation)
# DER prefix of a SHA-256 DigestInfo, for tokens that sign only raw PKCS#1 v1.5 (CKM_RSA_PKCS).
SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")

FLAG_WORDS = (
    (TokenFlag.USER_PIN_COUNT_LOW, "pin_count_low", "PIN: houve tentativa errada — restam poucas tentativas"),
    (TokenFlag.USER_PIN_FINAL_TRY, "pin_final_try", "PIN: resta só uma tentativa antes do bloqueio"),
    (TokenFlag.USER_PIN_LOCKED, "pin_locked", "PIN bloqueado — desbloqueie com o PUK"),
    (TokenFlag.USER_PIN_TO_BE_CHANGED, "pin_to_be_changed", "PIN precisa ser trocado"),
    (TokenFlag.SO_PIN_COUNT_LOW, "puk_count_low", "PUK: houve tentativa errada — restam poucas tentativas"),
    (TokenFlag.SO_PIN_FINAL_TRY, "puk_final_try", "PUK: resta só uma tentativa antes do bloqueio"),
    (TokenFlag.SO_PIN_LOCKED, "puk_locked", "PUK bloqueado"),
    (TokenFlag.SO_PIN_TO_BE_CHANGED, "puk_to_be_changed", "PUK precisa ser trocado"),
    (TokenFlag.WRITE_PROTECTED, "write_protected", "Protegida contra gravação"),
    (TokenFlag.PROTECTED_AUTHENTICATION_PATH, "pin_pad", "PIN digitado no teclado do leitor"),
)
OBJECT_TYPES = {
    ObjectClass.CERTIFICATE: "certificate",
    ObjectClass.PRIVATE_KEY: "private_key",
    ObjectClass.PUBLIC_KEY: "public_key",
    ObjectClass.SECRET_KEY: "secret_key",
    ObjectClass.DATA: "data",
}


class ModuleLoadError(Exception):
    """The file is not a PKCS#11 module, or the module failed to start."""


def key_id_for(rsa_public_key_der: bytes) -> bytes:
    """CKA_ID = SHA-1 of the DER RSAPublicKey: RFC 5280's key identifier (method 1), so it equals the
    SubjectKeyIdentifier a CA computes for the certificate and links certificate and key on any tool."""
    return hashlib.sha1(rsa_public_key_der).digest()  # noqa: S324 (an identifier, not a security hash)


def flag_words(flags: TokenFlag) -> list[dict]:
    words = [
        {"code": "token_initialized", "text": "Mídia inicializada"}
        if flags & TokenFlag.TOKEN_INITIALIZED
        else {"code": "token_not_initialized", "text": "Mídia não inicializada — precisa ser apagada (formatada)"},
        {"code": "pin_initialized", "text": "PIN definido"}
        if flags & TokenFlag.USER_PIN_INITIALIZED
        else {"code": "pin_not_initialized", "text": "PIN não definido"},
    ]
    words += [{"code": code, "text": text} for flag, code, text in FLAG_WORDS if flags & flag]
    return words


def _current_secret(value, *, field: str, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise bad_field(field, f"Informe o {what} atual.")
    if len(value) > 255:
        raise AgentError("pin_format", f"O {what} informado é longo demais.", field=field)
    return value


def _attr(obj, attribute, default=None):
    try:
        return obj[attribute]
    except (pkcs11.AttributeTypeInvalid, pkcs11.AttributeSensitive):
        return default


def _operation(method):
    """Serialise the call and turn any PKCS#11 error it lets through into an answer."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with PKCS11_LOCK:
            try:
                return method(self, *args, **kwargs)
            except pkcs11.PKCS11Error as exc:
                raise errors.from_pkcs11(exc) from exc
            except PyKCS11.PyKCS11Error as exc:
                raise errors.from_pkcs11(errors.as_pkcs11_error(exc)) from exc

    return wrapper


class TokenDevice:
    def __init__(self, module_path: str, *, lib=None, admin=None):
        """`lib`/`admin` replace the loaded module: the tests' fake token that locks its PIN uses them."""
        self.module_path = module_path
        if lib is not None:
            self._lib, self._admin = lib, admin
            return
        with PKCS11_LOCK:
            try:
                self._lib = pkcs11.lib(module_path)
                # Kept for the life of the process: unloading it would C_Finalize python-pkcs11's module too.
                self._admin = PyKCS11.PyKCS11Lib().load(module_path)
            except (pkcs11.PKCS11Error, PyKCS11.PyKCS11Error, OSError, RuntimeError) as exc:
                raise ModuleLoadError(f"O arquivo {module_path} não é um módulo PKCS#11 utilizável: {exc}") from exc

    # -- reading -----------------------------------------------------------------------------------

    @_operation
    def describe_module(self) -> dict:
        return {
            "path": self.module_path,
            "manufacturer": self._lib.manufacturer_id.strip(),
            "description": self._lib.library_description.strip(),
            "version": "{}.{}".format(*self._lib.library_version),
        }

    @_operation
    def list_tokens(self) -> list[dict]:
        tokens = []
        for token in self._lib.get_tokens():
            # A token without a serial (SoftHSM's spare slot) cannot be addressed: slots are not stable.
            if token.serial.strip():
                tokens.append(self._describe_token(token))
        return sorted(tokens, key=lambda item: item["serial"])

    @_operation
    def list_objects(self, serial: str, pin: str | None = None) -> dict:
        token = self._token(serial)
        if pin is not None:
            pin = _current_secret(pin, field="pin", what="PIN")
        with self._session(token, pin=pin) as session:
            objects = [self._describe_object(obj) for obj in list(session.get_objects())]
        objects.sort(key=lambda item: (item["type"], item["label"], item["id"]))
        return {"token": self._describe_token(self._token(serial)), "objects": objects, "logged_in": pin is not None}

    # -- PIN and PUK ------------------------------------------------------------------------------------

    @_operation
    def change_pin(self, serial: str, pin: str, new_pin: str) -> dict:
        token = self._token(serial)
        pin = _current_secret(pin, field="pin", what="PIN")
        new_pin = self._new_secret(token, new_pin, field="new_pin", what="PIN")
        with self._session(token, pin=pin, rw=True) as session:
            self._set_pin(session, pin, new_pin, field="new_pin", so=False)
        return self._describe_token(self._token(serial))

    @_operation
    def change_puk(self, serial: str, puk: str, new_puk: str) -> dict:
        token = self._token(serial)
        puk = _current_secret(puk, field="puk", what="PUK")
        new_puk = self._new_secret(token, new_puk, field="new_puk", what="PUK")
        with self._session(token, so_pin=puk, rw=True) as session:
            self._set_pin(session, puk, new_puk, field="new_puk", so=True)
        return self._describe_token(self._token(serial))

    @_operation
    def unblock_pin(self, serial: str, puk: str, new_pin: str) -> dict:
        """C_InitPIN as the security officer: sets a new PIN and clears the PIN's lock."""
        token = self._token(serial)
        puk = _current_secret(puk, field="puk", what="PUK")
        new_pin = self._new_secret(token, new_pin, field="new_pin", what="PIN")
        with self._session(token, so_pin=puk, rw=True) as session:
            self._init_pin(session, new_pin)
        return self._describe_token(self._token(serial))

    # -- erase ------------------------------------------------------------------------------------------

    @_operation
    def erase_preview(self, serial: str) -> dict:
        token = self._token(serial)
        with self._session(token) as session:
            labels = sorted({_attr(obj, Attribute.LABEL, "") for obj in session.get_objects()})
        return {"serial": serial, "token_label": token.label, "labels": labels}

    @_operation
    def erase(self, serial: str, *, puk: str, label: str, new_pin: str, confirm_token_label, confirm_labels) -> dict:
        """C_InitToken (erases every object, keeps the PUK) then C_InitPIN with the new PIN."""
        token = self._token(serial)
        puk = _current_secret(puk, field="puk", what="PUK")
        new_pin = self._new_secret(token, new_pin, field="new_pin", what="PIN")
        padded_label = self._token_label(label)
        preview = self.erase_preview(serial)
        if not isinstance(confirm_labels, list) or not all(isinstance(item, str) for item in confirm_labels):
            raise bad_field("confirm_labels", "Confirme o apagamento listando os rótulos do que será apagado.")
        if confirm_token_label != preview["token_label"] or sorted(set(confirm_labels)) != preview["labels"]:
            raise AgentError(
                "erase_not_confirmed",
                "A confirmação não corresponde ao conteúdo atual da mídia. Confira a lista do que será apagado "
                "e confirme de novo.",
                status=409,
                token_label=preview["token_label"],
                labels=preview["labels"],
            )
        slot_id = token.slot.slot_id
        self._close_sessions(slot_id)  # C_InitToken fails while any session is open on the slot
        try:
            self._admin.initToken(slot_id, puk, padded_label)
        except PyKCS11.PyKCS11Error as exc:
            error = errors.as_pkcs11_error(exc)
            if isinstance(error, pkcs11.PinIncorrect):
                raise self._wrong_secret(serial, so=True) from exc
            raise errors.from_pkcs11(error, so=True) from exc
        token = self._token(serial)
        with self._session(token, so_pin=puk, rw=True) as session:
            self._init_pin(session, new_pin)
        return {"token": self._describe_token(self._token(serial)), "erased_labels": preview["labels"]}

    # -- keys, requests and certificates ---------------------------------------------------------------

    @_operation
    def generate_key(self, serial: str, *, pin: str, label: str) -> dict:
        token = self._token(serial)
        pin = _current_secret(pin, field="pin", what="PIN")
        if not isinstance(label, str) or not label.strip() or len(label) > 64:
            raise bad_field("label", "Informe um rótulo de até 64 caracteres para a chave.")
        with self._session(token, pin=pin, rw=True) as session:
            public, private = session.generate_keypair(
                KeyType.RSA,
                RSA_BITS,
                store=True,
                label=label,
                public_template={Attribute.TOKEN: True, Attribute.PRIVATE: False, Attribute.VERIFY: True},
                private_template={
                    Attribute.TOKEN: True,
                    Attribute.PRIVATE: True,
                    Attribute.SENSITIVE: True,
                    Attribute.EXTRACTABLE: False,
                    Attribute.SIGN: True,
                    Attribute.DECRYPT: True,
                },
            )
            public_der = encode_rsa_public_key(public)
            key_id = key_id_for(public_der)
            try:
                public[Attribute.ID] = key_id
                private[Attribute.ID] = key_id
            except pkcs11.PKCS11Error:
                private.destroy()
                public.destroy()
                raise
            sensitive, extractable = private[Attribute.SENSITIVE], private[Attribute.EXTRACTABLE]
        public_key = serialization.load_der_public_key(_spki(public_der))
        return {
            "key_id": key_id.hex(),
            "label": label,
            "bits": RSA_BITS,
            "sensitive": bool(sensitive),
            "extractable": bool(extractable),
            "public_key": public_key.public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            ).decode(),
        }

    @_operation
    def create_csr(self, serial: str, *, pin: str, key_id: str, subject, subject_alt_name=None) -> dict:
        token = self._token(serial)
        pin = _current_secret(pin, field="pin", what="PIN")
        key_id_bytes = _key_id(key_id)
        name = csr_builder.build_subject(subject)
        san = csr_builder.build_subject_alt_name(subject_alt_name)
        raw_rsa_only = Mechanism.SHA256_RSA_PKCS not in token.slot.get_mechanisms()
        with self._session(token, pin=pin) as session:
            private = self._key(session, ObjectClass.PRIVATE_KEY, key_id_bytes)
            public = self._key(session, ObjectClass.PUBLIC_KEY, key_id_bytes)

            def sign(tbs: bytes) -> bytes:
                if raw_rsa_only:
                    digest_info = SHA256_DIGEST_INFO + hashlib.sha256(tbs).digest()
                    return private.sign(digest_info, mechanism=Mechanism.RSA_PKCS)
                return private.sign(tbs, mechanism=Mechanism.SHA256_RSA_PKCS)

            pem = csr_builder.build_csr(
                subject=name, san=san, rsa_public_key_der=encode_rsa_public_key(public), sign=sign
            )
        return {"key_id": key_id, "csr": pem}

    @_operation
    def sign_with_certificate(self, serial: str, *, pin: str, key_id: str, data) -> dict:
        """Sign `data` (base64, at most 4 KiB: a renewal request the portal wrote) with the private key under `key_id`,
        SHA-256 with RSA PKCS#1 v1.5; return the signature and the certificate stored next to that key."""
        token = self._token(serial)
        pin = _current_secret(pin, field="pin", what="PIN")
        key_id_bytes = _key_id(key_id)
        message = _signable(data)
        raw_rsa_only = Mechanism.SHA256_RSA_PKCS not in token.slot.get_mechanisms()
        with self._session(token, pin=pin) as session:
            private = self._key(session, ObjectClass.PRIVATE_KEY, key_id_bytes)
            certificates = list(
                session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.ID: key_id_bytes})
            )
            if not certificates:
                raise AgentError(
                    "certificate_not_found", "Não há certificado ao lado desta chave na mídia.", status=404
                )
            if raw_rsa_only:
                signature = private.sign(
                    SHA256_DIGEST_INFO + hashlib.sha256(message).digest(), mechanism=Mechanism.RSA_PKCS
                )
            else:
                signature = private.sign(message, mechanism=Mechanism.SHA256_RSA_PKCS)
            der = certificates[0][Attribute.VALUE]
        certificate = x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM).decode()
        return {"signature": base64.b64encode(signature).decode(), "certificate": certificate}

    @_operation
    def import_certificate(
        self, serial: str, *, pin: str, certificate: str, label: str | None = None, chain: list | None = None
    ) -> dict:
        """The holder's certificate next to its key, and the CA certificates that chain it to the root (`chain`,
        issuer first) as authority certificates, so programs that read the token find the whole path."""
        token = self._token(serial)
        pin = _current_secret(pin, field="pin", what="PIN")
        cert = parse_certificate(certificate)
        authorities = parse_chain(chain)
        public_key = cert.public_key()
        if not isinstance(public_key, rsa.RSAPublicKey):
            raise bad_field("certificate", "Só certificados com chave RSA podem ser gravados nesta mídia.")
        key_id = key_id_for(public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1))
        label = label or _common_name(cert) or "Certificado"
        if not isinstance(label, str) or len(label) > 64:
            raise bad_field("label", "O rótulo do certificado tem no máximo 64 caracteres.")
        with self._session(token, pin=pin, rw=True) as session:
            # Searches are always drained: an open search outliving its session fails when it is collected.
            keys = list(session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY, Attribute.ID: key_id}))
            private = keys[0] if len(keys) == 1 else None
            modulus = public_key.public_numbers().n
            if private is None or int.from_bytes(_attr(private, Attribute.MODULUS, b""), "big") != modulus:
                raise AgentError(
                    "certificate_mismatch",
                    "Este certificado não corresponde a nenhuma chave desta mídia: ele foi emitido para outra "
                    "chave ou outra mídia.",
                    status=422,
                )
            already_present = not _store_certificate(session, cert, key_id=key_id, label=label)
            chain_added = 0
            for authority in authorities:
                authority_id = key_id_for(
                    authority.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
                )
                ca_label = _common_name(authority) or "Autoridade Certificadora"
                stored = _store_certificate(session, authority, key_id=authority_id, label=ca_label, authority=True)
                chain_added += stored
        return {
            "key_id": key_id.hex(),
            "label": label,
            "already_present": already_present,
            "chain_added": chain_added,
        }

    # -- helpers ----------------------------------------------------------------------------------------

    def _token(self, serial: str):
        try:
            return self._lib.get_token(token_serial=serial.encode())
        except pkcs11.NoSuchToken as exc:
            raise errors.token_absent(serial) from exc
        except pkcs11.MultipleTokensReturned as exc:
            raise AgentError(
                "token_ambiguous", f"Há mais de uma mídia com o número de série {serial}.", status=409
            ) from exc

    def _describe_token(self, token) -> dict:
        info = self._admin.getTokenInfo(token.slot.slot_id)
        return {
            "serial": token.serial.decode(errors="replace").strip(),
            "label": token.label.strip(),
            "manufacturer": token.manufacturer_id.strip(),
            "model": token.model.strip(),
            "pin_min_length": info.ulMinPinLen,
            "pin_max_length": info.ulMaxPinLen,
            "flags": flag_words(token.flags),
        }

    def _describe_object(self, obj) -> dict:
        object_class = obj[Attribute.CLASS]
        item = {
            "type": OBJECT_TYPES.get(object_class, "other"),
            "label": _attr(obj, Attribute.LABEL, ""),
            "id": (_attr(obj, Attribute.ID, b"") or b"").hex(),
        }
        if object_class == ObjectClass.CERTIFICATE and (value := _attr(obj, Attribute.VALUE)):
            try:
                cert = x509.load_der_x509_certificate(value)
            except ValueError:
                return item | {"unreadable": True}
            item |= {
                "subject": cert.subject.rfc4514_string(),
                "issuer": cert.issuer.rfc4514_string(),
                "serial_number": format(cert.serial_number, "x"),
                "not_before": cert.not_valid_before_utc.isoformat(),
                "not_after": cert.not_valid_after_utc.isoformat(),
                "authority": _attr(obj, Attribute.CERTIFICATE_CATEGORY, 0) == 2,
            }
        elif object_class in (ObjectClass.PRIVATE_KEY, ObjectClass.PUBLIC_KEY):
            modulus = _attr(obj, Attribute.MODULUS)
            item |= {"key_type": "RSA" if modulus else "outro", "bits": len(modulus) * 8 if modulus else None}
            if object_class == ObjectClass.PRIVATE_KEY:
                item |= {
                    "sensitive": bool(_attr(obj, Attribute.SENSITIVE, True)),
                    "extractable": bool(_attr(obj, Attribute.EXTRACTABLE, False)),
                }
        return item

    def _new_secret(self, token, value, *, field: str, what: str) -> str:
        info = self._admin.getTokenInfo(token.slot.slot_id)
        low, high = max(int(info.ulMinPinLen), 4), min(int(info.ulMaxPinLen), 64)
        if not isinstance(value, str) or not value:
            raise bad_field(field, f"Informe o novo {what}.")
        if not low <= len(value) <= high or not set(value) <= SECRET_CHARACTERS:
            raise AgentError(
                "pin_format",
                f"O novo {what} deve ter de {low} a {high} caracteres: letras sem acento, números e símbolos, "
                "sem espaços.",
                field=field,
            )
        return value

    @staticmethod
    def _token_label(label) -> str:
        if not isinstance(label, str) or not label.strip():
            raise bad_field("label", "Informe um rótulo (nome) para a mídia.")
        label = label.strip()
        encoded = label.encode()
        if len(encoded) > LABEL_BYTES or not label.isprintable():
            raise bad_field("label", f"O rótulo da mídia tem no máximo {LABEL_BYTES} caracteres, sem acentos.")
        return label + " " * (LABEL_BYTES - len(encoded))

    @contextmanager
    def _session(self, token, *, pin: str | None = None, so_pin: str | None = None, rw: bool = False):
        try:
            session = token.open(rw=rw, user_pin=pin, so_pin=so_pin)
        except pkcs11.PinIncorrect as exc:
            self._close_sessions(token.slot.slot_id)
            raise self._wrong_secret(token.serial.decode(), so=so_pin is not None) from exc
        except pkcs11.PKCS11Error as exc:
            self._close_sessions(token.slot.slot_id)
            raise errors.from_pkcs11(exc, so=so_pin is not None) from exc
        with session:
            yield session

    def _close_sessions(self, slot_id: int) -> None:
        with contextlib.suppress(PyKCS11.PyKCS11Error):  # the token is gone: the next call reports that
            self._admin.closeAllSessions(slot_id)

    def _wrong_secret(self, serial: str, *, so: bool) -> AgentError:
        """A wrong PIN/PUK, with the token's own word on how many tries remain."""
        flags = self._token(serial).flags
        locked, final, low = (
            (TokenFlag.SO_PIN_LOCKED, TokenFlag.SO_PIN_FINAL_TRY, TokenFlag.SO_PIN_COUNT_LOW)
            if so
            else (TokenFlag.USER_PIN_LOCKED, TokenFlag.USER_PIN_FINAL_TRY, TokenFlag.USER_PIN_COUNT_LOW)
        )
        if flags & locked:
            return errors.locked(so=so)
        remaining = "final" if flags & final else "low" if flags & low else None
        return errors.wrong_secret(so=so, remaining=remaining)

    def _set_pin(self, session, old: str, new: str, *, field: str, so: bool) -> None:
        try:
            session.set_pin(old, new)
        except (pkcs11.PinLenRange, pkcs11.PinInvalid, pkcs11.PinTooWeak) as exc:
            raise errors.from_pkcs11(exc, so=so, field=field) from exc

    def _init_pin(self, session, new_pin: str) -> None:
        try:
            session.init_pin(new_pin)
        except (pkcs11.PinLenRange, pkcs11.PinInvalid, pkcs11.PinTooWeak) as exc:
            raise errors.from_pkcs11(exc, field="new_pin") from exc

    @staticmethod
    def _key(session, object_class: ObjectClass, key_id: bytes):
        found = list(session.get_objects({Attribute.CLASS: object_class, Attribute.ID: key_id}))
        if len(found) != 1:
            kind = "privada" if object_class == ObjectClass.PRIVATE_KEY else "pública"
            raise AgentError(
                "key_not_found", f"Não há chave {kind} com o identificador {key_id.hex()} nesta mídia.", status=404
            )
        return found[0]


def _signable(value) -> bytes:
    try:
        message = base64.b64decode(value, validate=True) if isinstance(value, str) else b""
    except ValueError:
        message = b""
    if not 1 <= len(message) <= 4096:
        raise bad_field("data", "Dados a assinar inválidos (base64, até 4 KiB).")
    return message


def _key_id(value) -> bytes:
    try:
        key_id = bytes.fromhex(value) if isinstance(value, str) else b""
    except ValueError:
        key_id = b""
    if not 1 <= len(key_id) <= 64:
        raise bad_field("key_id", "Identificador de chave inválido (hexadecimal).")
    return key_id


def _spki(rsa_public_key_der: bytes) -> bytes:
    return asn1_keys.PublicKeyInfo(
        {"algorithm": {"algorithm": "rsa"}, "public_key": asn1_keys.RSAPublicKey.load(rsa_public_key_der)}
    ).dump()


def _der_integer(value: int) -> bytes:
    return asn1_core.Integer(value).dump()


def _store_certificate(session, cert: x509.Certificate, *, key_id: bytes, label: str, authority: bool = False) -> bool:
    """Create the certificate object unless the token already holds it; True when it was created.

    CKA_CERTIFICATE_CATEGORY 2 marks a CA's certificate ("authority"), 1 the holder's ("token user")."""
    der = cert.public_bytes(serialization.Encoding.DER)
    existing = list(session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.ID: key_id}))
    if any(_attr(obj, Attribute.VALUE) == der for obj in existing):
        return False
    session.create_object(
        {
            Attribute.CLASS: ObjectClass.CERTIFICATE,
            Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
            Attribute.CERTIFICATE_CATEGORY: 2 if authority else 1,
            Attribute.TOKEN: True,
            Attribute.PRIVATE: False,
            Attribute.LABEL: label,
            Attribute.ID: key_id,
            Attribute.SUBJECT: cert.subject.public_bytes(),
            Attribute.ISSUER: cert.issuer.public_bytes(),
            Attribute.SERIAL_NUMBER: _der_integer(cert.serial_number),
            Attribute.VALUE: der,
        }
    )
    return True


def _common_name(cert: x509.Certificate) -> str | None:
    names = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(names[0].value)[:64] if names else None


class NoTokenDevice:
    """The device of an agent started with --no-token (A1 only): it describes itself, and refuses token operations."""

    module_path = None

    def describe_module(self) -> dict:
        return {"path": None, "manufacturer": "", "description": "sem módulo de token (só A1)", "version": ""}

    def __getattr__(self, name):
        def refuse(*args, **kwargs):
            raise AgentError(
                "no_token_module",
                "Este agente foi iniciado sem módulo de token (--no-token): ele só emite certificados A1 em arquivo. "
                "Para usar um token ou cartão, inicie-o sem essa opção.",
                status=409,
            )

        return refuse
