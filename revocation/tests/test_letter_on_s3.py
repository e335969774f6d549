"""The signed revocation letter on S3 (PRIVATE_STORAGE=s3): a private, server-side-encrypted object of ciphertext,
read back in clear by the reviewer through the authorised view."""

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from orders.tests.factories import UserFactory
from orders.tests.files import clean_pdf
from revocation.models import RevocationRequest
from tecnosign.tests.auth import staff_login
from tecnosign.tests.s3 import assert_private_and_encrypted

from .helpers import brt, issue_a1, open_revocation
from .test_letter import ask_for_letter

pytestmark = pytest.mark.django_db
NOW = brt(2026, 12, 3, 10, 0)


def test_the_signed_letter_is_kept_in_the_bucket_and_read_back_by_the_reviewer(client, on_commit, s3_private_storage):
    order, certificate = issue_a1(on_commit, at=brt(2026, 12, 1, 10, 0))
    pdf = clean_pdf()
    with time_machine.travel(NOW, tick=False):
        open_revocation(client, order)
        ask_for_letter(client, certificate, reason="access_withdrawn")
        sent = client.post(
            f"/revogar/{certificate.serial}/carta/envio/", {"letter": SimpleUploadedFile("carta.pdf", pdf)}
        )

    assert sent.status_code == 302
    letter = RevocationRequest.objects.get(certificate=certificate)
    assert letter.status == RevocationRequest.Status.UNDER_REVIEW
    assert letter.letter.name in s3_private_storage.object_keys()
    assert pdf[:64] not in assert_private_and_encrypted(s3_private_storage, letter.letter.name)

    reviewer = UserFactory(username="revisor@tecnosign.com.br", is_staff=True)
    reviewer.user_permissions.add(Permission.objects.get(codename="view_revocationrequest"))
    staff_login(client, reviewer)
    response = client.get(f"/retaguarda/revogacoes/{letter.public_id}/carta/")

    assert response.status_code == 200 and response.streaming
    assert b"".join(response.streaming_content) == pdf
