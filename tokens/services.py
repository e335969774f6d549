"""Workstations and token jobs: every write goes through here (admin, tasks and the lead's A3 flow alike).

PINs and PUKs of a job are never written to the database. They are sealed (Fernet, the portal's key) and
travel only inside the Celery task message; the seal expires after TOKEN_JOB_SECRETS_TTL seconds, so a
message redelivered late, or read from the broker, is useless. The job row keeps only what is not secret.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tecnosign.audit.services import SYSTEM, Actor, audit_record
from tecnosign.errors import DomainError
from tecnosign.queue import enqueue_task_on_commit

from . import sealing
from .agent import protocol
from .client import AgentClient, AgentError, validate_agent_url
from .models import TokenJob, Workstation
from .operations import OPERATIONS

logger = logging.getLogger(__name__)

Status = TokenJob.Status


class PairingFailed(DomainError):
    code = "pairing_failed"


class JobRequestInvalid(DomainError):
    code = "job_request_invalid"


# -- workstations --------------------------------------------------------------------------------------


def workstation_secret(workstation: Workstation) -> bytes:
    return sealing.unseal(workstation.secret_sealed)


def workstation_client(workstation: Workstation) -> AgentClient:
    return AgentClient(workstation.agent_url, workstation_secret(workstation))


def agent_probe(*, agent_url: str, pairing_code: str) -> tuple[bytes, dict]:
    """Ask the agent for its status, signed with the code's secret: only the paired agent can answer."""
    try:
        secret = protocol.secret_from_pairing_code(pairing_code)
    except ValueError as exc:
        raise PairingFailed(str(exc), field="pairing_code") from exc
    url = validate_agent_url(agent_url)
    try:
        status = AgentClient(url, secret).status()
    except AgentError as exc:
        raise PairingFailed(f"Pareamento recusado: {exc.message}", field="pairing_code") from exc
    return secret, status


def workstation_pair(
    *,
    name: str,
    agent_url: str,
    secret: bytes,
    agent_info: dict,
    actor: Actor,
    workstation: Workstation | None = None,
    active: bool = True,
) -> Workstation:
    """Register a new workstation or re-pair an existing one with a secret `agent_probe` has confirmed."""
    with transaction.atomic():
        if workstation is None:
            workstation = Workstation(created_at=timezone.now())
        else:
            workstation = Workstation.objects.select_for_update().get(pk=workstation.pk)
        workstation.name = name
        workstation.agent_url = validate_agent_url(agent_url)
        workstation.active = active
        workstation.secret_sealed = sealing.seal(secret)
        workstation.paired_at = timezone.now()
        workstation.paired_by = actor.user
        workstation.agent_info = agent_info
        workstation.save()
        audit_record(
            action="tokens.workstation.paired",
            obj=workstation,
            actor=actor,
            after={"name": name, "agent_url": workstation.agent_url, "module": agent_info.get("module", {})},
        )
    return workstation


def workstation_update(*, workstation: Workstation, name: str, agent_url: str, active: bool, actor: Actor):
    """Edit a workstation without touching its pairing."""
    with transaction.atomic():
        locked = Workstation.objects.select_for_update().get(pk=workstation.pk)
        before = {"name": locked.name, "agent_url": locked.agent_url, "active": locked.active}
        locked.name, locked.agent_url, locked.active = name, validate_agent_url(agent_url), active
        locked.save(update_fields=["name", "agent_url", "active"])
        audit_record(
            action="tokens.workstation.updated",
            obj=locked,
            actor=actor,
            before=before,
            after={"name": name, "agent_url": locked.agent_url, "active": active},
        )
    return locked


# -- jobs ----------------------------------------------------------------------------------------------


def token_job_check(
    *, workstation: Workstation, operation: str, token_serial: str, params: dict | None, secrets: dict | None
) -> tuple[dict, dict]:
    """Refuse a request the operation cannot run with; return its params and non-empty secrets."""
    spec = OPERATIONS.get(operation)
    if spec is None:
        raise JobRequestInvalid(f"Operação desconhecida: {operation}.", field="operation")
    params, secrets = dict(params or {}), {k: v for k, v in (secrets or {}).items() if v not in (None, "")}
    if not workstation.active:
        raise JobRequestInvalid(f"A estação {workstation} está desativada.", field="workstation")
    if spec.needs_token and not token_serial.strip():
        raise JobRequestInvalid("Informe o número de série da mídia.", field="token_serial")
    for name in spec.params:
        if params.get(name) in (None, "", []):
            raise JobRequestInvalid("Preencha este campo para esta operação.", field=name)
    for name in spec.secrets:
        if name not in secrets:
            raise JobRequestInvalid("Preencha este campo para esta operação.", field=name)
    if unexpected := sorted(set(secrets) - set(spec.secrets) - set(spec.optional_secrets)):
        raise JobRequestInvalid("Esta operação não usa este campo: deixe-o em branco.", field=unexpected[0])
    if spec.prepare is not None:
        try:
            params = spec.prepare(params)
        except DomainError as error:
            raise JobRequestInvalid(error.message, code=error.code, field=error.field) from error
    return params, secrets


def token_job_create(
    *,
    workstation: Workstation,
    operation: str,
    token_serial: str = "",
    params: dict | None = None,
    secrets: dict | None = None,
    actor: Actor = SYSTEM,
) -> TokenJob:
    """Queue one operation for a workstation's agent; the task runs after this transaction commits."""
    params, secrets = token_job_check(
        workstation=workstation, operation=operation, token_serial=token_serial, params=params, secrets=secrets
    )
    with transaction.atomic():
        job = TokenJob.objects.create(
            workstation=workstation,
            operation=operation,
            token_serial=token_serial.strip(),
            params=params,
            requested_by=actor.user,
        )
        audit_record(
            action="tokens.job.requested",
            obj=job,
            actor=actor,
            after={"operation": operation, "workstation": workstation.pk, "token_serial": job.token_serial},
        )
        enqueue_task_on_commit("tokens.run_job", job.pk, sealing.seal_json(secrets) if secrets else None)
    return job


def _claim(job_id: int) -> TokenJob | None:
    """pending → running, decided by a conditional UPDATE: a redelivered message finds nothing to do."""
    claimed = TokenJob.objects.filter(pk=job_id, status=Status.PENDING).update(
        status=Status.RUNNING, started_at=timezone.now()
    )
    return TokenJob.objects.select_related("workstation").get(pk=job_id) if claimed else None


def _finish(job: TokenJob, *, result: dict | None = None, error: DomainError | None = None) -> TokenJob:
    with transaction.atomic():
        status = Status.FAILED if error else Status.SUCCEEDED
        updated = TokenJob.objects.filter(pk=job.pk, status=Status.RUNNING).update(
            status=status,
            finished_at=timezone.now(),
            result=result or {},
            error_code=error.code if error else "",
            error_message=error.message if error else "",
        )
        job.refresh_from_db()
        if updated:
            audit_record(
                action=f"tokens.job.{status}",
                obj=job,
                after={"status": status, "error_code": job.error_code},
                note=job.error_message,
            )
    return job


def token_job_run(*, job_id: int, sealed_secrets: str | None) -> TokenJob | None:
    """Run a queued job once: claim it, open its secrets, drive the agent, record the outcome."""
    job = _claim(job_id)
    if job is None:
        return None
    try:
        secrets = sealing.unseal_json(sealed_secrets, max_age=settings.TOKEN_JOB_SECRETS_TTL) if sealed_secrets else {}
    except sealing.SealBroken:
        return _finish(
            job,
            error=DomainError(
                "Os dados de acesso (PIN/PUK) desta operação expiraram antes de ela rodar. Peça a operação de novo.",
                code="secrets_expired",
            ),
        )
    spec = OPERATIONS[job.operation]
    context = {"actor": _requester(job)} if spec.takes_actor else {}
    try:
        result = spec.run(workstation_client(job.workstation), job.token_serial, job.params, secrets, **context)
    except DomainError as error:
        return _finish(job, error=error)
    return _finish(job, result=result)


def _requester(job: TokenJob) -> Actor:
    user = job.requested_by
    return Actor(user=user, label=f"{user.get_username()} (estação {job.workstation})" if user else "sistema")


def token_jobs_sweep(*, now=None) -> int:
    """Fail jobs that can no longer run: pending past their secrets' life, or running past the task limit.

    A running job is never retried: a token operation half-done (a key made, a token erased) must be looked
    at, not repeated blindly.
    """
    now = now or timezone.now()
    expired = TokenJob.objects.filter(
        status=Status.PENDING, created_at__lt=now - timedelta(seconds=settings.TOKEN_JOB_SECRETS_TTL + 60)
    ).update(
        status=Status.FAILED,
        finished_at=now,
        error_code="not_started",
        error_message="A operação não começou a tempo (fila parada?). Peça-a de novo.",
    )
    interrupted = TokenJob.objects.filter(
        status=Status.RUNNING, started_at__lt=now - timedelta(seconds=settings.TOKEN_JOB_RUN_LIMIT + 60)
    ).update(
        status=Status.FAILED,
        finished_at=now,
        error_code="interrupted",
        error_message="A operação foi interrompida sem resposta. Confira a mídia antes de repetir.",
    )
    if expired or interrupted:
        logger.warning("token jobs swept: %s never started, %s interrupted", expired, interrupted)
    return expired + interrupted
