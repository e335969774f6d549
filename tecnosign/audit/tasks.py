from celery import shared_task

from .services import audit_seal


@shared_task(name="audit.seal")
def seal() -> int:
    return audit_seal()
