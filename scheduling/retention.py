"""The retention rules of the videoconference's files (orders.services.retention holds the windows and runs them).

- the face capture a validation rests on, the base's face returned by the PSBio and the sealed dossier: with the
  documents and terms, `RETENTION_DOCUMENTS_YEARS` after the certificate ends;
- the other captures (taken again, never used by a validation): other records, `RETENTION_RECORDS_YEARS`;
- all of them `DOCUMENT_PURGE_DAYS` after an order that never reached a certificate ended.
"""

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from orders.services.retention import DOCUMENTS, RECORDS, WITHOUT_CERTIFICATE, FileRule

from .models import BiometricMatch, FaceCapture, SealedDossier, Validation


def _captures() -> QuerySet:
    return FaceCapture.objects.select_related("order")


def _captures_in_a_validation() -> QuerySet:
    return _captures().filter(Exists(Validation.objects.filter(face_capture=OuterRef("pk"))))


def _captures_never_used() -> QuerySet:
    return _captures().exclude(Exists(Validation.objects.filter(face_capture=OuterRef("pk"))))


def _capture_label(capture: FaceCapture) -> str:
    return f"Foto do rosto capturada em {timezone.localtime(capture.captured_at):%d/%m/%Y %H:%M}"


def _base_faces() -> QuerySet:
    return BiometricMatch.objects.select_related("order")


def _base_face_label(match: BiometricMatch) -> str:
    return f"Face da base biométrica (protocolo {match.protocol})"


def _dossiers() -> QuerySet:
    return SealedDossier.objects.select_related("order")


def _dossier_label(dossier: SealedDossier) -> str:
    return f"Dossiê selado ({dossier.files} arquivos)"


def retention_rules() -> list[FileRule]:
    return [
        FileRule(
            "faces-without-certificate", FaceCapture, WITHOUT_CERTIFICATE, _captures, _capture_label, "face.purged"
        ),
        FileRule(
            "faces-after-certificate", FaceCapture, DOCUMENTS, _captures_in_a_validation, _capture_label, "face.purged"
        ),
        FileRule(
            "faces-unused-after-certificate", FaceCapture, RECORDS, _captures_never_used, _capture_label, "face.purged"
        ),
        FileRule(
            "base-faces-without-certificate",
            BiometricMatch,
            WITHOUT_CERTIFICATE,
            _base_faces,
            _base_face_label,
            "biometrics.base_face_purged",
            file_field="base_face",
        ),
        FileRule(
            "base-faces-after-certificate",
            BiometricMatch,
            DOCUMENTS,
            _base_faces,
            _base_face_label,
            "biometrics.base_face_purged",
            file_field="base_face",
        ),
        FileRule(
            "dossiers-without-certificate",
            SealedDossier,
            WITHOUT_CERTIFICATE,
            _dossiers,
            _dossier_label,
            "dossier.purged",
        ),
        FileRule("dossiers-after-certificate", SealedDossier, DOCUMENTS, _dossiers, _dossier_label, "dossier.purged"),
    ]
