"""Face captures and the sealed dossier on S3 (PRIVATE_STORAGE=s3): private, server-side-encrypted objects of
ciphertext; the dossier, sealed from the files read back from the bucket, downloads in clear through the authorised
view and verifies."""

import io
import zipfile

import pytest

from scheduling.models import FaceCapture, SealedDossier, Validation
from scheduling.services.dossier import dossiers_verify
from tecnosign.tests.s3 import assert_private_and_encrypted

from .backoffice import FULL_CHECKLIST, QUEUE, booked_order, gather_evidence, staff

pytestmark = pytest.mark.django_db


def test_document_face_capture_and_dossier_live_in_the_bucket(
    client, clock, on_commit, team, local_ca, s3_private_storage
):
    order, booking = booked_order(client, clock, on_commit, upload=True)
    clock(2026, 11, 23, 10, 2)
    ana = staff(team["ana"])
    ana.post(f"/admin/scheduling/booking/{booking.pk}/iniciar/")
    gather_evidence(ana, booking)
    clock(2026, 11, 23, 10, 20)
    with on_commit():
        assert ana.post(f"/admin/scheduling/booking/{booking.pk}/dossie/", FULL_CHECKLIST).status_code == 302
    validation = Validation.objects.get(order=order)
    clock(2026, 11, 23, 11, 5)
    vera = staff(team["vera"])
    with on_commit():
        assert vera.post(f"{QUEUE}{validation.pk}/revisar/", {"outcome": "verified"}).status_code == 302

    capture = FaceCapture.objects.get(booking=booking)
    dossier = SealedDossier.objects.get(order=order)
    document = order.documents.get()
    keys = s3_private_storage.object_keys()
    assert {capture.file.name, dossier.file.name, document.file.name} <= keys
    for key in keys:
        assert_private_and_encrypted(s3_private_storage, key)

    response = vera.get(f"/admin/scheduling/sealeddossier/{dossier.pk}/baixar/")
    assert response.status_code == 200 and response.streaming
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    archived = [archive.read(name) for name in archive.namelist()]
    for kept in (capture.file, document.file):  # read back in clear from the bucket, as sealed in the archive
        with kept.open("rb") as stored:
            assert stored.read() in archived
    assert dossiers_verify().problems == []
