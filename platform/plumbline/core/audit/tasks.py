"""The audit trail's daily task: anchor every chain's head in object storage."""

import logging

from celery import shared_task

from storage import StorageUnavailable

logger = logging.getLogger(__name__)


@shared_task(
    name="audit.anchor_chains",
    acks_late=True,
    autoretry_for=(StorageUnavailable,),
    retry_backoff=60,
    retry_backoff_max=3600,
    max_retries=5,
)
def anchor_audit_chains() -> None:
    from .log import anchor_chains

    for result in anchor_chains():
        if result.status == "broken":
            logger.error("audit chain %s is broken and was not anchored: %s", result.chain, result.detail)
