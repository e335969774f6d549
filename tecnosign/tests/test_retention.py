"""Retention by rule, across the apps that keep files: the admin's dry-run report lists exactly what the next run
deletes, and the run deletes exactly that, once."""

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from dateutil.relativedelta import relativedelta
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.utils import timezone

from issuance.models import Certificate
from orders.models import Document, HolderTerm, Order
from orders.services.retention import retention_plan, retention_run
from orders.tests.factories import UserFactory
from scheduling.models import BiometricMatch, Booking, FaceCapture, SealedDossier, Validation, Verification
from scheduling.roles import MANAGERS_GROUP, SUPPORT_GROUP, ensure_roles
from scheduling.tests.factories import make_agent, ready_order
from tecnosign.audit.models import AuditEvent
from tecnosign.tests.auth import staff_login

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


@dataclass
class Planted:
    due: set[str] = field(default_factory=set)  # storage names the next run must delete
    kept: set[str] = field(default_factory=set)


class Scene:
    """Orders with every kind of file, each planted due or kept, and remembered as such."""

    def __init__(self):
        self.now = timezone.now()
        self.planted = Planted()
        self.agent = make_agent("ana-retencao")
        self.verifier = UserFactory(username="vera-retencao", is_staff=True)
        self._n = iter(range(1, 1000))

    def _remember(self, name: str, due: bool) -> None:
        (self.planted.due if due else self.planted.kept).add(name)

    def order(self, status: str, *, changed_ago: timedelta = DAY) -> Order:
        order = ready_order(status=status)
        Order.objects.filter(pk=order.pk).update(status_changed_at=self.now - changed_ago)
        order.refresh_from_db()
        return order

    def certificate(self, order: Order, *, expired_ago=None, revoked_ago=None) -> None:
        n = next(self._n)
        revoked = self.now - revoked_ago if revoked_ago else None
        not_after = self.now - expired_ago if expired_ago else self.now + timedelta(days=200)
        Certificate.objects.create(
            order=order,
            backend="local",
            issuer="CN=AC Teste",
            serial=f"{n:X}",
            subject=f"CN=Titular {n}",
            not_before=not_after - timedelta(days=365),
            not_after=not_after,
            fingerprint_sha256=f"{n:064x}",
            public_key_sha256=f"{n + 5000:064x}",
            certificate_pem="-",
            status="revoked" if revoked else "valid",
            revoked_at=revoked,
            revocation_reason=4 if revoked else None,
        )

    def document(self, order: Order, *, due: bool, purged: bool = False) -> Document:
        document = Document(
            order=order,
            kind="identity",
            identity_type="rg",
            original_name="rg.png",
            content_type="image/png",
            size=3,
            sha256="0" * 64,
        )
        document.file.save("rg.png", ContentFile(b"png"), save=False)
        document.purged_at = self.now - DAY if purged else None
        document.save()
        self._remember(document.file.name, due and not purged)
        return document

    def term(self, order: Order, *, due: bool) -> None:
        term = HolderTerm(order=order, version="2026-12", sha256="1" * 64, size=3)
        term.file.save("termo.pdf", ContentFile(b"pdf"), save=False)
        term.save()
        self._remember(term.file.name, due)

    def booking(self, order: Order) -> Booking:
        start = self.now - timedelta(days=400) + next(self._n) * timedelta(hours=1)
        return Booking.objects.create(
            order=order,
            agent=self.agent,
            attendee_cpf=order.person_cpf,
            starts_at=start,
            ends_at=start + timedelta(minutes=30),
            video_url="https://meet.exemplo/sala",
            eligibility_basis="teste",
            status=Booking.Status.COMPLETED,
            outcome="validated",
            finished_at=start,
            started_at=start,
            started_by=self.agent,
        )

    def face(self, booking: Booking, *, due: bool) -> FaceCapture:
        face = FaceCapture(
            booking=booking,
            order=booking.order,
            content_type="image/jpeg",
            size=3,
            width=1,
            height=1,
            sha256="2" * 64,
            captured_by=self.agent,
        )
        face.file.save("face.jpg", ContentFile(b"jpg"), save=False)
        face.save()
        self._remember(face.file.name, due)
        return face

    def dossier(self, booking: Booking, face: FaceCapture, *, due: bool, base_face_due: bool) -> None:
        """A validation resting on `face`, its base's face, its approval and the sealed archive."""
        match = BiometricMatch(
            booking=booking,
            order=booking.order,
            face_capture=face,
            backend="sandbox",
            cpf=booking.order.person_cpf,
            result="positivo",
            protocol="SBX-1",
            name_in_base="MARIA",
            name_matches=True,
            base_face_content_type="image/jpeg",
            base_face_sha256="3" * 64,
            queried_by=self.agent,
        )
        match.base_face.save("base.jpg", ContentFile(b"jpg"), save=False)
        match.save()
        self._remember(match.base_face.name, base_face_due)
        at = booking.starts_at
        validation = Validation.objects.create(
            booking=booking,
            order=booking.order,
            agent=self.agent,
            recorded_by=self.agent,
            requires_legal_representative=False,
            check_holder_in_person=True,
            check_environment=True,
            documents_waived=True,
            face_capture=face,
            biometric_match=match,
            eligibility_basis="teste",
            outcome="validated",
            started_at=at,
            finished_at=at,
            duration_seconds=0,
        )
        verification = Verification.objects.create(
            validation=validation,
            order=booking.order,
            agent=self.agent,
            started_by=self.agent,
            verifier=self.verifier,
            outcome="verified",
        )
        sealed = SealedDossier(
            order=booking.order,
            verification=verification,
            size=3,
            sha256="4" * 64,
            manifest_sha256="5" * 64,
            files=1,
        )
        sealed.file.save("dossie.zip", ContentFile(b"zip"), save=False)
        sealed.save()
        self._remember(sealed.file.name, due)


@pytest.fixture
def scene(settings) -> Scene:
    ensure_roles()
    scene = Scene()
    documents_years = relativedelta(years=settings.RETENTION_DOCUMENTS_YEARS)
    records_years = relativedelta(years=settings.RETENTION_RECORDS_YEARS)

    # Cancelled 91 days ago, never a certificate: every file goes (a document purged before stays out of it).
    cancelled = scene.order(Order.Status.CANCELLED, changed_ago=91 * DAY)
    scene.document(cancelled, due=True)
    scene.document(cancelled, due=True, purged=True)
    scene.term(cancelled, due=True)
    scene.face(scene.booking(cancelled), due=True)
    # Cancelled 89 days ago: not yet.
    scene.document(scene.order(Order.Status.CANCELLED, changed_ago=89 * DAY), due=False)

    # A certificate that expired ten years and a day ago: the whole dossier goes.
    expired = scene.order(Order.Status.ISSUED)
    scene.certificate(expired, expired_ago=(scene.now - (scene.now - documents_years)) + DAY)
    scene.document(expired, due=True)
    scene.term(expired, due=True)
    booking = scene.booking(expired)
    scene.dossier(booking, scene.face(booking, due=True), due=True, base_face_due=True)
    scene.face(booking, due=True)  # a capture taken again, never used: other records, past six years too

    # Revoked six years and a day ago: only the other records go; documents, term and dossier stay four more years.
    revoked = scene.order(Order.Status.REVOKED)
    scene.certificate(
        revoked, expired_ago=timedelta(days=-200), revoked_ago=(scene.now - (scene.now - records_years)) + DAY
    )
    scene.document(revoked, due=False)
    scene.term(revoked, due=False)
    booking = scene.booking(revoked)
    scene.dossier(booking, scene.face(booking, due=False), due=False, base_face_due=False)
    scene.face(booking, due=True)

    # A certificate in force (a first one revoked long ago, the second still valid), and an order that lapsed just now.
    live = scene.order(Order.Status.ISSUED, changed_ago=5000 * DAY)
    scene.certificate(live, revoked_ago=20 * 365 * DAY, expired_ago=19 * 365 * DAY)
    scene.certificate(live)
    scene.document(live, due=False)
    scene.face(scene.booking(live), due=False)
    scene.document(scene.order(Order.Status.PAYMENT_EXPIRED, changed_ago=DAY), due=False)
    return scene


@pytest.fixture
def private_storage(settings) -> Path:
    return Path(settings.STORAGES["private"]["OPTIONS"]["location"])


def _staff(client, group: str):
    user = UserFactory(username=f"{group}-retencao", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return staff_login(client, user)


def test_the_report_lists_exactly_the_planted_files_due_and_nothing_else(scene, client):
    # given files planted on every side of every window, and a manager in the admin
    manager = _staff(client, MANAGERS_GROUP)

    # when they open the dry-run report
    page = manager.get("/admin/orders/document/retencao/")

    # then it lists exactly the files due, once each, and deletes nothing
    listed = [line.split('data-path="')[1].split('"')[0] for line in page.text.splitlines() if "data-path=" in line]
    assert page.status_code == 200 and sorted(listed) == sorted(scene.planted.due)
    assert len(scene.planted.due) == 10 and f"{len(scene.planted.due)} arquivo(s) a eliminar" in page.text
    assert {item.path for item in retention_plan()} == scene.planted.due
    assert not AuditEvent.objects.filter(action__endswith="purged").exists()
    assert "documentos e termos: 10 anos depois do fim do certificado" in page.text


def test_the_run_deletes_exactly_the_files_due_once_and_audits_each(scene, private_storage):
    # given the planted files, all on disk
    assert all((private_storage / name).exists() for name in scene.planted.due | scene.planted.kept)

    # when the daily run goes, twice
    first, second = retention_run(), retention_run()

    # then the files due are gone and marked, the others untouched; the second run finds nothing
    assert (first, second) == (len(scene.planted.due), 0)
    assert not any((private_storage / name).exists() for name in scene.planted.due)
    assert all((private_storage / name).exists() for name in scene.planted.kept)
    assert AuditEvent.objects.filter(action__endswith="purged").count() == len(scene.planted.due)
    assert retention_plan() == []
    purged = [
        row
        for model in (Document, HolderTerm, FaceCapture, BiometricMatch, SealedDossier)
        for row in model.objects.filter(purged_at__gte=scene.now)
    ]
    assert len(purged) == len(scene.planted.due)
    assert not any(row.base_face if isinstance(row, BiometricMatch) else row.file for row in purged)


def test_only_who_may_see_the_report_opens_it(scene, client):
    response = _staff(client, SUPPORT_GROUP).get("/admin/orders/document/retencao/")

    assert response.status_code == 403
