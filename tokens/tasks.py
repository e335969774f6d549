from celery import shared_task
from django.conf import settings

from .services import token_job_run, token_jobs_sweep


@shared_task(
    name="tokens.run_job",
    acks_late=True,
    soft_time_limit=settings.TOKEN_JOB_RUN_LIMIT,
    time_limit=settings.TOKEN_JOB_RUN_LIMIT + 30,
)
def run_token_job(job_id: int, sealed_secrets: str | None = None) -> str:
    job = token_job_run(job_id=job_id, sealed_secrets=sealed_secrets)
    return job.status if job else "skipped"


@shared_task(name="tokens.jobs_sweep")
def sweep_token_jobs() -> int:
    return token_jobs_sweep()
