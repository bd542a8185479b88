"""Permanent signs (永久性标牌): one active sign per building, its content generated from the party
register when it is recorded, and its photos."""

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from plumbline.core.models import StoredFile


def new_public_token() -> str:
    return secrets.token_urlsafe(12)


class SignStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    RETIRED = "retired", _("retired")


class PermanentSign(models.Model):
    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="signs")
    building = models.CharField(max_length=50, help_text=_("Building number or name, e.g. 1#"))
    building_record = models.ForeignKey(
        "projects.Building",
        on_delete=models.PROTECT,
        related_name="signs",
        null=True,
        blank=True,
        help_text=_("The building the sign hangs on; `building` keeps its name as it was given."),
    )
    content = models.JSONField(help_text=_("What the sign says, generated from the register when recorded."))
    material = models.CharField(
        max_length=40,
        blank=True,
        help_text=_(
            "Code of a permanent material (signage/materials.py); empty on a sign recorded before "
            "materials were a list whose text named none of them."
        ),
    )
    material_note = models.CharField(
        max_length=200,
        blank=True,
        help_text=_(
            "Colour, finish or engraving (e.g. black, gold engraved characters); on signs recorded "
            "before materials were a list, the material text as it was given."
        ),
    )
    width_mm = models.PositiveIntegerField()
    height_mm = models.PositiveIntegerField()
    thickness_mm = models.PositiveIntegerField()
    location_text = models.CharField(max_length=300)
    coordinates = models.JSONField(null=True, blank=True, help_text=_("GeoJSON Point (longitude, latitude)."))
    installed_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=SignStatus.choices, default=SignStatus.ACTIVE)
    public_token = models.CharField(max_length=32, unique=True, default=new_public_token)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "building", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "building"], condition=models.Q(status="active"), name="one_active_sign_per_building"
            )
        ]

    def __str__(self):
        return f"{self.project.code} {self.building}"


class SignPhoto(StoredFile):
    sign = models.ForeignKey(PermanentSign, on_delete=models.PROTECT, related_name="photos")

    class Meta:
        ordering = ["sign", "uploaded_at"]
        constraints = [models.UniqueConstraint(fields=["sign", "sha256"], name="one_copy_of_a_photo_per_sign")]

    def __str__(self):
        return f"photo {self.sha256[:12]} of {self.sign}"
