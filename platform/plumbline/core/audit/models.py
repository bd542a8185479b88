"""The audit trail: one append-only table of events, hash-chained per project.

Each event's hash is an HMAC, under a key that is not in the database, of the previous event's
hash in the same chain and the canonical JSON of the event, so changing, reordering or deleting
any stored event breaks the chain from that event on, and whoever can write the database cannot
recompute it. A head row per chain holds the last sequence and hash: appending locks it, so
concurrent actions queue instead of forking the chain. Anchors in object storage (log.py) catch
what the database alone cannot: the newest events deleted and the head moved back.
"""

from django.conf import settings
from django.db import models


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("audit events are append-only: they cannot be updated")

    def delete(self):
        raise TypeError("audit events are append-only: they cannot be deleted")


class AuditEvent(models.Model):
    chain = models.CharField(max_length=40, help_text="'project:<id>' or 'platform' for events outside a project")
    sequence = models.PositiveBigIntegerField()
    created_at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    actor_name = models.CharField(max_length=200, blank=True)
    organisation = models.ForeignKey("projects.Organisation", on_delete=models.PROTECT, null=True, related_name="+")
    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, null=True, related_name="+")
    action = models.CharField(max_length=80, help_text="stable dotted name, e.g. finding.verified")
    target_type = models.CharField(max_length=80, blank=True)
    target_id = models.CharField(max_length=80, blank=True)
    changes = models.JSONField(default=dict)
    request_id = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["chain", "sequence"]
        constraints = [models.UniqueConstraint(fields=["chain", "sequence"], name="one_event_per_chain_position")]
        # the action filter lists a chain's distinct actions from this index, not from every event
        indexes = [models.Index(fields=["project", "sequence"]), models.Index(fields=["chain", "action"])]

    def __str__(self):
        return f"{self.chain}#{self.sequence} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("audit events are append-only: they cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("audit events are append-only: they cannot be deleted")


class AuditChainHead(models.Model):
    chain = models.CharField(max_length=40, unique=True)
    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)
    # Events up to legacy_sequence were written before the chain was keyed (plain SHA-256); the
    # seal, an HMAC over the chain, that sequence and its hash, keeps the boundary from moving.
    legacy_sequence = models.PositiveBigIntegerField(default=0)
    legacy_hash = models.CharField(max_length=64, blank=True)
    legacy_seal = models.CharField(max_length=64, blank=True)

    def __str__(self):
        return f"{self.chain} at #{self.sequence}"
