"""Writing, verifying and anchoring the audit trail.

`record_event` is called by every action inside its transaction; `verify_chain` recomputes a
chain with the chain key and compares it with its anchors, naming the first event that does not
match; `anchor_chains` writes each chain's signed head to object storage as a record that is
never replaced, so a chain cut short and its head moved back is still caught.
"""

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from plumbline.core.request_id import current_request_id

from .models import AuditChainHead, AuditEvent

GENESIS = "0" * 64
PLATFORM_CHAIN = "platform"
ANCHOR_PREFIX = "audit-anchors"
ANCHOR_FORMAT = "plumbline-audit-anchor/1"
logger = logging.getLogger(__name__)


def chain_key() -> bytes:
    """AUDIT_CHAIN_KEY, or a key derived from SECRET_KEY for this one purpose."""
    if settings.AUDIT_CHAIN_KEY:
        return settings.AUDIT_CHAIN_KEY.encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"plumbline.audit.chain", hashlib.sha256).digest()


def _mac(message: str) -> str:
    return hmac.new(chain_key(), message.encode(), hashlib.sha256).hexdigest()


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


def compute_hash(prev_hash: str, payload: dict, *, keyed: bool = True) -> str:
    """The event's HMAC under the chain key; `keyed=False` for events written before the chain
    was keyed (plain SHA-256, as anyone can compute it)."""
    message = f"{prev_hash}\n{canonical_json(payload)}"
    if not keyed:
        return hashlib.sha256(message.encode()).hexdigest()
    return _mac(message)


def legacy_seal(chain: str, sequence: int, hash_: str) -> str:
    return _mac(f"legacy\n{chain}\n{sequence}\n{hash_}")


def diff(before: dict, after: dict) -> dict:
    """`{field: [old, new]}` for the fields whose value changed."""
    return {k: [before.get(k), after.get(k)] for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)}


# who an event without a person was done by, as stored (in the hash); shown translated
SYSTEM_ACTOR_NAME = "Plumbline (system)"


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
    actor_name = SYSTEM_ACTOR_NAME
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
    anchors: int = 0

    @property
    def is_intact(self) -> bool:
        return self.first_broken is None


def verify_chain(chain: str, *, anchors: bool = True) -> ChainReport:
    """Recompute a chain from its first event and compare it with its anchors in object storage;
    report the first event that does not match."""
    found = _verify_stored(chain)
    if not anchors:
        return found
    records = list_anchors(chain)
    broken = _compare_with_anchors(chain, records)
    if broken is not None and (found.first_broken is None or broken[0] < found.first_broken):
        return ChainReport(chain, found.events, broken[0], broken[1], len(records))
    return ChainReport(chain, found.events, found.first_broken, found.reason, len(records))


def _verify_stored(chain: str) -> ChainReport:
    head = AuditChainHead.objects.filter(chain=chain).first()
    legacy_until = 0
    if head is not None and head.legacy_sequence:
        expected_seal = legacy_seal(chain, head.legacy_sequence, head.legacy_hash)
        if not hmac.compare_digest(head.legacy_seal.encode(), expected_seal.encode()):
            return ChainReport(
                chain,
                0,
                1,
                _(
                    "the seal over the events written before the chain was keyed (#1 to #%(sequence)s) "
                    "does not match: the chain's head was altered"
                )
                % {"sequence": head.legacy_sequence},
            )
        legacy_until = head.legacy_sequence
    prev_hash, expected_sequence, count = GENESIS, 1, 0
    events = AuditEvent.objects.filter(chain=chain).order_by("sequence").iterator(chunk_size=2000)
    for event in events:
        count += 1
        if event.sequence != expected_sequence:
            return ChainReport(
                chain,
                count,
                expected_sequence,
                _("event #%(sequence)s is missing (next stored is #%(next)s)")
                % {"sequence": expected_sequence, "next": event.sequence},
            )
        if event.prev_hash != prev_hash:
            return ChainReport(
                chain,
                count,
                event.sequence,
                _("event #%(sequence)s does not follow the event before it") % {"sequence": event.sequence},
            )
        is_legacy = event.sequence <= legacy_until
        if compute_hash(prev_hash, event_payload(event), keyed=not is_legacy) != event.hash or (
            event.sequence == legacy_until and event.hash != head.legacy_hash
        ):
            return ChainReport(
                chain,
                count,
                event.sequence,
                _("event #%(sequence)s (%(action)s) was changed after it was written")
                % {"sequence": event.sequence, "action": event.action},
            )
        prev_hash, expected_sequence = event.hash, expected_sequence + 1
    if legacy_until >= expected_sequence:
        return ChainReport(
            chain,
            count,
            expected_sequence,
            _("event #%(sequence)s is missing (the chain ends at #%(last)s)")
            % {"sequence": expected_sequence, "last": legacy_until},
        )
    if head is None and count:
        return ChainReport(chain, count, expected_sequence - 1, _("the chain's head is missing"))
    if head is not None and (head.sequence != expected_sequence - 1 or head.hash != prev_hash):
        if head.sequence >= expected_sequence:
            return ChainReport(
                chain,
                count,
                expected_sequence,
                _("event #%(sequence)s is missing (the chain ends at #%(last)s)")
                % {"sequence": expected_sequence, "last": head.sequence},
            )
        return ChainReport(
            chain,
            count,
            head.sequence,
            _("the chain's head does not match event #%(sequence)s") % {"sequence": head.sequence},
        )
    return ChainReport(chain, count)


# --- anchors: each chain's signed head, written to object storage and never replaced ----------


@dataclass(frozen=True)
class Anchor:
    key: str
    chain: str
    sequence: int
    hash: str
    anchored_at: str
    signature: str

    @property
    def is_signed(self) -> bool:
        expected = anchor_signature(self.chain, self.sequence, self.hash, self.anchored_at)
        return hmac.compare_digest(self.signature.encode(), expected.encode())

    def as_record(self) -> dict:
        return {
            "format": ANCHOR_FORMAT,
            "chain": self.chain,
            "sequence": self.sequence,
            "hash": self.hash,
            "anchored_at": self.anchored_at,
            "signature": self.signature,
        }


def anchor_signature(chain: str, sequence: int, hash_: str, anchored_at: str) -> str:
    return _mac(f"anchor\n{chain}\n{sequence}\n{hash_}\n{anchored_at}")


def _anchor_folder(chain: str) -> str:
    return f"{ANCHOR_PREFIX}/{chain.replace(':', '-')}"


def list_anchors(chain: str) -> list[Anchor]:
    """The chain's anchors, oldest first. One that cannot be read counts as unsigned."""
    from storage import get_storage

    storage = get_storage()
    anchors = []
    for key in storage.list_records(_anchor_folder(chain)):
        if not key.endswith(".json"):
            continue
        try:
            with storage.open(key) as handle:
                record = json.loads(handle.read(64 * 1024))
            anchors.append(
                Anchor(
                    key=key,
                    chain=str(record["chain"]),
                    sequence=int(record["sequence"]),
                    hash=str(record["hash"]),
                    anchored_at=str(record["anchored_at"]),
                    signature=str(record["signature"]),
                )
            )
        except (ValueError, KeyError, TypeError):
            anchors.append(Anchor(key, chain, 0, "", "", ""))
    return sorted(anchors, key=lambda a: (a.sequence, a.anchored_at))


def _compare_with_anchors(chain: str, anchors: list[Anchor]) -> tuple[int, str] | None:
    """(first event that no longer matches, why) or None."""
    if not anchors:
        return None
    stored = dict(
        AuditEvent.objects.filter(chain=chain, sequence__in={a.sequence for a in anchors}).values_list(
            "sequence", "hash"
        )
    )
    last = AuditEvent.objects.filter(chain=chain).order_by("-sequence").values_list("sequence", flat=True).first()
    for anchor in anchors:
        if anchor.chain != chain or not anchor.is_signed:
            return max(anchor.sequence, 1), _("the anchor %(key)s is not signed with this platform's chain key") % {
                "key": anchor.key
            }
        if anchor.sequence not in stored:
            ends = _("the database ends at #%(last)s") % {"last": last} if last else _("the database holds no event")
            first_missing = (last or 0) + 1 if (last or 0) < anchor.sequence else anchor.sequence
            return (
                first_missing,
                _(
                    "event #%(sequence)s is missing: the chain was anchored at #%(anchored)s on %(when)s (%(key)s), %(ends)s"
                )
                % {
                    "sequence": first_missing,
                    "anchored": anchor.sequence,
                    "when": anchor.anchored_at,
                    "key": anchor.key,
                    "ends": ends,
                },
            )
        if stored[anchor.sequence] != anchor.hash:
            return (
                anchor.sequence,
                _(
                    "event #%(sequence)s no longer matches the chain's head anchored on %(when)s "
                    "(%(key)s): the chain was rewritten at or before it"
                )
                % {"sequence": anchor.sequence, "when": anchor.anchored_at, "key": anchor.key},
            )
    return None


@dataclass(frozen=True)
class AnchorResult:
    chain: str
    sequence: int
    status: str  # "anchored", "unchanged", "empty" or "broken"
    detail: str = ""


def anchor_chain(chain: str) -> AnchorResult:
    """Write the chain's head to object storage, once per head; a broken chain is not anchored."""
    from storage import RecordExists, get_storage

    report = verify_chain(chain)
    if not report.is_intact:
        detail = _("event #%(sequence)s: %(reason)s") % {"sequence": report.first_broken, "reason": report.reason}
        return AnchorResult(chain, 0, "broken", detail)
    head = AuditChainHead.objects.filter(chain=chain).first()
    if head is None or head.sequence == 0:
        return AnchorResult(chain, 0, "empty")
    anchored_at = timezone.now().isoformat(timespec="seconds")
    anchor = Anchor(
        key=f"{_anchor_folder(chain)}/{head.sequence:012d}.json",
        chain=chain,
        sequence=head.sequence,
        hash=head.hash,
        anchored_at=anchored_at,
        signature=anchor_signature(chain, head.sequence, head.hash, anchored_at),
    )
    try:
        get_storage().put_record(anchor.key, canonical_json(anchor.as_record()).encode())
    except RecordExists:
        return AnchorResult(chain, head.sequence, "unchanged")
    logger.info("anchored audit chain %s at #%s", chain, head.sequence)
    return AnchorResult(chain, head.sequence, "anchored")


def anchor_chains() -> list[AnchorResult]:
    return [anchor_chain(chain) for chain in list_chains()]


def list_chains() -> list[str]:
    """Every chain the database knows, by its head or its events (a deleted head is no hiding place)."""
    chains = set(AuditChainHead.objects.values_list("chain", flat=True))
    chains |= set(AuditEvent.objects.order_by().values_list("chain", flat=True).distinct())
    return sorted(chains)
