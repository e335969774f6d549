"""The embedded biometric base: answers by rule on the CPF, so that every branch can be tried by hand and in tests.

The rule (README, "Videoconference evidence"), on the CPF's first three digits:

- 999 → "negativo" (the face does not match the one on file);
- 998 → "CPF não consta da base";
- 997 → "positivo", but with another name on file (the agent must not validate);
- 996 → the base does not answer (unavailable);
- anything else → "positivo", with the name the portal knows and the captured face as the face on file.

Refused outside development and staging, like the sandbox payment gateway (scheduling.checks).
"""

import hashlib

from .base import BiometricAnswer, BiometricBackend, BiometricSample, BiometricUnavailable

NEGATIVE_PREFIX = "999"
NOT_IN_BASE_PREFIX = "998"
OTHER_NAME_PREFIX = "997"
UNAVAILABLE_PREFIX = "996"
OTHER_NAME = "NOME DIVERGENTE DA BASE DE TESTES"


class SandboxBiometrics(BiometricBackend):
    name = "sandbox"

    def match(self, *, cpf: str, sample: BiometricSample, reference: str, name_on_order: str) -> BiometricAnswer:
        if cpf.startswith(UNAVAILABLE_PREFIX):
            raise BiometricUnavailable("sandbox: the base does not answer for CPFs starting with 996")
        protocol = "SBX-" + hashlib.sha256(f"{reference}:{cpf}".encode()).hexdigest()[:16].upper()
        if cpf.startswith(NEGATIVE_PREFIX):
            return BiometricAnswer(BiometricAnswer.NEGATIVE, protocol)
        if cpf.startswith(NOT_IN_BASE_PREFIX):
            return BiometricAnswer(BiometricAnswer.NOT_IN_BASE, protocol)
        name = OTHER_NAME if cpf.startswith(OTHER_NAME_PREFIX) else name_on_order.upper()
        return BiometricAnswer(
            BiometricAnswer.POSITIVE, protocol, name=name, face=sample.content, face_content_type=sample.content_type
        )
