from celery import shared_task

from .heartbeat import heartbeat_write


@shared_task(name="observability.worker_heartbeat", ignore_result=True, acks_late=False)
def worker_heartbeat() -> None:
    """Beat, every WORKER_HEARTBEAT_SECONDS: the time a worker last took a task from the queue (for /readyz)."""
    heartbeat_write()
