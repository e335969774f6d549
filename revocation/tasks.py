from celery import shared_task

from .services.reissue_proof import reissue_handoffs_run_due


@shared_task(name="revocation.reissue_handoffs_due", acks_late=True, soft_time_limit=240, time_limit=300)
def reissue_handoffs_due() -> dict[str, int]:
    """Beat, every minute: hand to the CA the same-holder reissues whose notice to the holder has run out."""
    return reissue_handoffs_run_due()
