"""The sealed dossier: written when the verifier approves, its manifest's digest in the audit chain, checked by
`manage.py verify_audit_log`, downloaded by staff with the permission."""

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command

from orders.tests.factories import UserFactory
from scheduling.models import SealedDossier, Validation
from scheduling.roles import SUPPORT_GROUP
from scheduling.services.dossier import dossiers_verify
from tecnosign.audit.models import AuditEvent

from .backoffice import FULL_CHECKLIST, QUEUE, booked_order, face_jpeg, gather_evidence, identity_png, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_storage(settings):
    return Path(settings.STORAGES["private"]["OPTIONS"]["location"])


@pytest.fixture
def approved(client, clock, on_commit, team, local_ca):
    """An order with its identity document, validated by Ana with the evidence and approved by Vera."""
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
    vera = staff(team["vera"])  # she signs in when she takes the queue (a staff session lapses after 30 idle minutes)
    with on_commit():
        assert vera.post(f"{QUEUE}{validation.pk}/revisar/", {"outcome": "verified"}).status_code == 302
    return order, SealedDossier.objects.get(order=order)


def _verify() -> str:
    out = io.StringIO()
    call_command("verify_audit_log", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def _archive(dossier) -> dict[str, bytes]:
    """The files of the sealed archive, read through the private storage (it decrypts what is kept encrypted)."""
    with dossier.file.open("rb") as stored, zipfile.ZipFile(io.BytesIO(stored.read())) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _rewrite(dossier, change) -> None:
    """Rewrite the archive in place with `change(files)` applied (as someone with the storage's keys would)."""
    files = _archive(dossier)
    change(files)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    storage, name = dossier.file.storage, dossier.file.name
    storage.delete(name)
    assert storage.save(name, ContentFile(buffer.getvalue())) == name


def _problems() -> list[str]:
    return dossiers_verify().problems


def test_the_approval_seals_one_archive_with_every_piece_and_its_digest_in_the_chain(approved, private_storage, team):
    order, dossier = approved

    files = _archive(dossier)
    # what lies on the disk is ciphertext (the private storage encrypts at rest)
    assert not (private_storage / dossier.file.name).read_bytes().startswith(b"PK")

    # every piece of the dossier is there, and the manifest holds each one's SHA-256
    assert set(files) == {
        "manifest.json",
        "termo/termo-de-titularidade.pdf",
        "termo/aceite.json",
        "documentos/01-identity.png",
        "documentos/documentos.json",
        "biometria/face-capturada.jpg",
        "biometria/captura.json",
        "biometria/face-da-base.jpg",
        "biometria/consulta.json",
        "lista-negativa.json",
        "validacao.json",
        "auditoria.json",
    }
    manifest = json.loads(files["manifest.json"])
    assert manifest["order"] == order.number and len(manifest["files"]) == len(files) - 1
    for name, entry in manifest["files"].items():
        assert hashlib.sha256(files[name]).hexdigest() == entry["sha256"], name
    assert files["documentos/01-identity.png"] == identity_png()
    assert files["biometria/face-capturada.jpg"] == face_jpeg()
    assert hashlib.sha256(files["termo/termo-de-titularidade.pdf"]).hexdigest() == order.holder_term.sha256

    # who acted and when: the agent's validation and the verifier's approval; the result of the base with protocol
    record = json.loads(files["validacao.json"])
    assert record["validation"]["recorded_by"]["username"] == "ana"
    assert record["verification"]["verifier"]["username"] == "vera"
    assert record["validation"]["finished_at"].startswith("2026-11-23T10:20")
    assert record["verification"]["decided_at"].startswith("2026-11-23T11:05")
    assert record["validation"]["checklist"]["document"] == "dispensado (biometria positiva)"
    assert json.loads(files["biometria/consulta.json"])["protocol"].startswith("SBX-")
    assert json.loads(files["lista-negativa.json"])["listed"] is False
    actions = {entry["action"] for entry in json.loads(files["auditoria.json"])}
    assert {"term.accepted", "face.captured", "biometrics.matched", "validation.recorded"} <= actions
    assert "verification.decided" in actions

    # the manifest's digest is in the audit chain, and the whole thing verifies
    sealed = AuditEvent.objects.get(action="dossier.sealed")
    assert sealed.after["manifest_sha256"] == hashlib.sha256(files["manifest.json"]).hexdigest()
    assert sealed.after["manifest_sha256"] == dossier.manifest_sha256 and sealed.actor == team["vera"]
    assert dossier.file.name.startswith("dossiers/") and order.number not in dossier.file.name
    assert "1 sealed dossiers intact" in _verify()


def test_altering_one_file_of_a_sealed_dossier_is_detected(approved, private_storage):
    # given a sealed dossier, and someone who swaps the face in the archive
    _order, dossier = approved
    _rewrite(dossier, lambda files: files.update({"biometria/face-capturada.jpg": face_jpeg((330, 240))}))

    # when the audit log is verified, then it fails naming the file
    with pytest.raises(CommandError, match="sealed files are NOT intact"):
        _verify()
    where = f"dossiê {dossier.pk} do pedido {dossier.order.number}"
    assert _problems() == [f"{where}: o arquivo biometria/face-capturada.jpg foi alterado"]


def test_a_manifest_rewritten_to_match_an_altered_file_is_detected(approved, private_storage):
    _order, dossier = approved

    def forge(files):
        forged = face_jpeg((330, 240))
        files["biometria/face-capturada.jpg"] = forged
        manifest = json.loads(files["manifest.json"])
        manifest["files"]["biometria/face-capturada.jpg"]["sha256"] = hashlib.sha256(forged).hexdigest()
        files["manifest.json"] = json.dumps(manifest).encode()

    _rewrite(dossier, forge)

    with pytest.raises(CommandError):
        _verify()
    assert "o manifest.json foi alterado" in _problems()[0]


@pytest.mark.parametrize("damage", ["add", "remove", "delete_archive", "garble", "flip_ciphertext"])
def test_files_added_removed_or_the_archive_lost_are_detected(approved, private_storage, damage):
    _order, dossier = approved
    path = private_storage / dossier.file.name
    if damage == "add":
        _rewrite(dossier, lambda files: files.update({"biometria/outra-face.jpg": face_jpeg()}))
    elif damage == "remove":
        _rewrite(dossier, lambda files: files.pop("lista-negativa.json"))
    elif damage == "delete_archive":
        path.unlink()
    elif damage == "garble":
        path.write_bytes(b"PK\x03\x04 not a zip any more")
    else:  # one byte of the ciphertext on disk changed: the authenticated encryption refuses it
        kept = bytearray(path.read_bytes())
        kept[-20] ^= 0x01
        path.write_bytes(bytes(kept))

    with pytest.raises(CommandError):
        _verify()
    expected = {
        "add": "o arquivo biometria/outra-face.jpg não consta do manifesto",
        "remove": "falta o arquivo lista-negativa.json",
        "delete_archive": "o arquivo não pôde ser lido",
        "garble": "não é mais um zip íntegro",
        "flip_ciphertext": "o arquivo cifrado foi alterado",
    }[damage]
    assert any(expected in problem for problem in _problems())


def test_a_verifier_downloads_the_dossier_and_the_download_is_audited(approved, private_storage, team):
    _order, dossier = approved
    vera = staff(team["vera"])

    listed = vera.get("/admin/scheduling/sealeddossier/")
    response = vera.get(f"/admin/scheduling/sealeddossier/{dossier.pk}/baixar/")

    assert f"/admin/scheduling/sealeddossier/{dossier.pk}/baixar/" in listed.text
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"] and "no-store" in response["Cache-Control"]
    with dossier.file.open("rb") as stored:
        assert b"".join(response.streaming_content) == stored.read()
    event = AuditEvent.objects.get(action="dossier.downloaded")
    assert event.actor == team["vera"] and event.after == {"dossier": dossier.pk, "archive_sha256": dossier.sha256}


def test_staff_without_the_permission_cannot_download_it(approved, team):
    _order, dossier = approved
    support = UserFactory(username="suporte", is_staff=True)
    support.groups.add(Group.objects.get(name=SUPPORT_GROUP))

    answers = [
        staff(person).get(f"/admin/scheduling/sealeddossier/{dossier.pk}/baixar/").status_code
        for person in (team["ana"], support)
    ]

    assert answers == [403, 403]
    assert not AuditEvent.objects.filter(action="dossier.downloaded").exists()
