"""Writing and verifying the audit trail.

`record_event` is called by every action inside its transaction; `verify_chain` recomputes a
chain and names the first event that does not match.
"""

import hashlib
import json
from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.utils import timezone

from plumbline.middleware import current_request_id

from .models import AuditChainHead, AuditEvent

GENESIS = "0" * 64
PLATFORM_CHAIN = "platform"


def chain_of(project) -> str:
    return f"project:{project.pk}" if project is not None else PLATFORM_CHAIN


def canonical_json(value) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _plain(value):
    """The JSON form of a value, as it will read back from the database."""
    return json.loads(canonical_json(value))


def event_payload(event: AuditEvent) -> dict:
    return {
        "chain": event.chain,
        "sequence": event.sequence,
        "created_at": event.created_at.isoformat(timespec="microseconds"),
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "organisation_id": event.organisation_id,
        "project_id": event.project_id,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "changes": event.changes,
        "request_id": event.request_id,
    }


def compute_hash(prev_hash: str, payload: dict) -> str:
    return hashlib.sha256(f"{prev_hash}\n{canonical_json(payload)}".encode()).hexdigest()


def diff(before: dict, after: dict) -> dict:
    """`{field: [old, new]}` for the fields whose value changed."""
    return {k: [before.get(k), after.get(k)] for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)}


def record_event(
    action: str,
    *,
    actor,
    project=None,
    organisation=None,
    target=None,
    changes: dict | None = None,
) -> AuditEvent:
    """Append one event to the project's chain (or the platform chain) in the caller's transaction."""
    if not connection.in_atomic_block:
        raise RuntimeError("record_event must run inside the action's transaction")
    chain = chain_of(project)
    AuditChainHead.objects.bulk_create([AuditChainHead(chain=chain, hash=GENESIS)], ignore_conflicts=True)
    head = AuditChainHead.objects.select_for_update().get(chain=chain)
    person = _person_of(actor)
    if organisation is None and person is not None:
        organisation = person.organisation
    actor_name = "Plumbline (system)"
    if actor is not None:
        actor_name = person.name if person else (actor.get_full_name() or actor.get_username())
    event = AuditEvent(
        chain=chain,
        sequence=head.sequence + 1,
        created_at=timezone.now(),
        actor=actor if actor is not None and actor.pk else None,
        actor_name=actor_name,
        organisation=organisation,
        project=project,
        action=action,
        target_type=type(target).__name__ if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        changes=_plain(changes or {}),
        request_id=current_request_id.get(),
        prev_hash=head.hash,
    )
    event.hash = compute_hash(head.hash, event_payload(event))
    event.save(force_insert=True)
    head.sequence, head.hash = event.sequence, event.hash
    head.save(update_fields=["sequence", "hash"])
    return event


def _person_of(actor):
    if actor is None or not actor.pk:
        return None
    try:
        return actor.person
    except (AttributeError, ObjectDoesNotExist):  # a site administrator has no person profile
        return None


@dataclass(frozen=True)
class ChainReport:
    chain: str
    events: int
    first_broken: int | None = None
    reason: str = ""

    @property
    def is_intact(self) -> bool:
        return self.first_broken is None


def verify_chain(chain: str) -> ChainReport:
    """Recompute a chain from its first event; report the first event that does not match."""
    prev_hash, expected_sequence, count = GENESIS, 1, 0
    events = AuditEvent.objects.filter(chain=chain).order_by("sequence").iterator(chunk_size=2000)
    for event in events:
        count += 1
        if event.sequence != expected_sequence:
            return ChainReport(
                chain,
                count,
                expected_sequence,
                f"event #{expected_sequence} is missing (next stored is #{event.sequence})",
            )
        if event.prev_hash != prev_hash:
            return ChainReport(
                chain, count, event.sequence, f"event #{event.sequence} does not follow the event before it"
            )
        if compute_hash(prev_hash, event_payload(event)) != event.hash:
            return ChainReport(
                chain,
                count,
                event.sequence,
                f"event #{event.sequence} ({event.action}) was changed after it was written",
            )
        prev_hash, expected_sequence = event.hash, expected_sequence + 1
    head = AuditChainHead.objects.filter(chain=chain).first()
    if head is not None and (head.sequence != expected_sequence - 1 or head.hash != prev_hash):
        if head.sequence >= expected_sequence:
            return ChainReport(
                chain,
                count,
                expected_sequence,
                f"event #{expected_sequence} is missing (the chain ends at #{head.sequence})",
            )
        return ChainReport(chain, count, head.sequence, f"the chain's head does not match event #{head.sequence}")
    return ChainReport(chain, count)


def list_chains() -> list[str]:
    return list(AuditChainHead.objects.order_by("chain").values_list("chain", flat=True))
