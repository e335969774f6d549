"""The biometric base interface: the holder's face (one sample) against an official base, by CPF.

IN ITI 12/2020 and DOC-ICP-05.02 item 2.5: the CA offers its ARs a query by CPF + one biometric sample; the answer is
"positivo" (with at least the face and the name on file), "negativo", or that the CPF is not in the base. The result
and its protocol number go into the holder's dossier.
"""

import abc
from dataclasses import dataclass


class BiometricError(Exception):
    """The base did not give an answer. `str(error)` is for logs and staff, in English."""


class BiometricUnavailable(BiometricError):
    """Transient: timeout, connection refused, 5xx, throttled. Asking again later may work."""


class BiometricRejected(BiometricError):
    """The base refused this query (a sample it cannot use, a malformed CPF): a new capture may help.

    `message` is the base's own reason, shown to the agent.
    """

    def __init__(self, detail: str, *, message: str = ""):
        super().__init__(detail)
        self.message = message


class BiometricMisconfigured(BiometricError):
    """Our credentials, certificate or address are wrong: staff must fix the settings."""


@dataclass(frozen=True)
class BiometricSample:
    content: bytes
    content_type: str  # image/jpeg or image/png


@dataclass(frozen=True)
class BiometricAnswer:
    result: str  # POSITIVE, NEGATIVE or NOT_IN_BASE below
    protocol: str
    name: str = ""  # "positivo": the name on file for the CPF
    face: bytes = b""  # "positivo": the face on file (JPEG or PNG), when the base returns it
    face_content_type: str = ""

    POSITIVE = "positivo"
    NEGATIVE = "negativo"
    NOT_IN_BASE = "nao_consta"
    RESULTS = (POSITIVE, NEGATIVE, NOT_IN_BASE)


class BiometricBackend(abc.ABC):
    name: str

    @abc.abstractmethod
    def match(self, *, cpf: str, sample: BiometricSample, reference: str, name_on_order: str) -> BiometricAnswer:
        """Match the face `sample` of the person with this `cpf`. `reference` is the portal's id of this query (the
        same id is never answered twice differently); `name_on_order` is what the portal knows, which a real base
        never gets (the sandbox answers with it)."""
