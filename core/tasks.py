from celery import shared_task

from core.health import heartbeat_touch


@shared_task(ignore_result=True)
def heartbeat_task() -> None:
    """Beat sends this every minute; /health/ reports beat as failing when it stops arriving."""
    heartbeat_touch("beat")
