"""CPF, CNPJ and e-mail addresses never reach a log line or an error report in clear (LGPD).

`PersonalDataFilter` is attached to every handler in `settings.LOGGING`: it formats the record's message with its
arguments, masks it, and leaves the masked text as the message (no arguments left to bring the value back); the
traceback text and stack are masked the same way. It changes the record itself, so every handler after it — and
whatever else reads the record — sees the masked text. `MaskingAdminEmailHandler` masks Django's error e-mails,
whose body is the whole request (URL, GET and POST), not only the message.

What is masked: CPFs (123.456.789-09 and 11 bare digits), CNPJs (12.345.678/0001-95, 14 bare digits, and the
alphanumeric CNPJ, formatted or bare when its check digits are right) and e-mail addresses. Eleven bare digits are
also how a mobile number without its country code looks: it is masked too, which is what LGPD wants anyway.
"""

import logging
import re

from django.utils.log import AdminEmailHandler
from stdnum.br import cnpj as stdnum_cnpj

CPF_MASK = "[CPF]"
CNPJ_MASK = "[CNPJ]"
EMAIL_MASK = "[e-mail]"

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
# Not inside a longer run of letters or digits (a hash, a serial number, a UUID's tail).
_B = r"(?<![0-9A-Za-z])"
_E = r"(?![0-9A-Za-z])"
_CNPJ_FORMATTED = re.compile(_B + r"[0-9A-Za-z]{2}\.[0-9A-Za-z]{3}\.[0-9A-Za-z]{3}/[0-9A-Za-z]{4}-\d{2}" + _E)
_CPF_FORMATTED = re.compile(_B + r"\d{3}\.\d{3}\.\d{3}-\d{2}" + _E)
_CNPJ_DIGITS = re.compile(_B + r"\d{14}" + _E)
_CPF_DIGITS = re.compile(_B + r"\d{11}" + _E)
# The alphanumeric CNPJ (from July 2026): 12 letters or digits and 2 check digits. Bare, it looks like many other
# tokens, so it is masked only when its check digits are right (a false positive once in a hundred).
_CNPJ_ALPHANUMERIC = re.compile(_B + r"(?=[0-9A-Za-z]{0,11}[A-Za-z])[0-9A-Za-z]{12}\d{2}" + _E)


def _alphanumeric_cnpj(match: re.Match) -> str:
    return CNPJ_MASK if stdnum_cnpj.is_valid(match.group(0).upper()) else match.group(0)


def mask_personal_data(text: str) -> str:
    """`text` with every CPF, CNPJ and e-mail address replaced by a marker."""
    if not text:
        return text
    text = _EMAIL.sub(EMAIL_MASK, text)
    text = _CNPJ_FORMATTED.sub(CNPJ_MASK, text)
    text = _CPF_FORMATTED.sub(CPF_MASK, text)
    text = _CNPJ_DIGITS.sub(CNPJ_MASK, text)
    text = _CPF_DIGITS.sub(CPF_MASK, text)
    return _CNPJ_ALPHANUMERIC.sub(_alphanumeric_cnpj, text)


class PersonalDataFilter(logging.Filter):
    """Mask the record's message, arguments, traceback and stack; never drops a record."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_personal_data_masked", False):
            return True
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            # A message whose arguments do not fit it: keep both, as text, masked.
            message = f"{record.msg} {record.args!r}"
        record.msg = mask_personal_data(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_data(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_personal_data(record.stack_info)
        record._personal_data_masked = True
        return True


class MaskingAdminEmailHandler(AdminEmailHandler):
    """Django's error e-mail to ADMINS, with the subject and the whole report (request included) masked."""

    def __init__(self, include_html: bool = False, **kwargs):
        # The HTML report repeats every value in markup the mask cannot follow reliably: plain text only.
        super().__init__(include_html=False, **kwargs)

    def send_mail(self, subject, message, *args, **kwargs):
        kwargs.pop("html_message", None)
        super().send_mail(mask_personal_data(subject), mask_personal_data(message), *args, **kwargs)
