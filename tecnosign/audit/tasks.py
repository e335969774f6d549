from celery import shared_task

from .services import audit_checkpoint, audit_seal


@shared_task(name="audit.seal")
def seal() -> int:
    return audit_seal()


@shared_task(name="audit.checkpoint")
def checkpoint() -> int | None:
    """Seal what is pending, then sign the head into the checkpoint sink (beat: AUDIT_CHECKPOINT_INTERVAL_SECONDS)."""
    audit_seal()
    stored = audit_checkpoint()
    return stored.position if stored else None
