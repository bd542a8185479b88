"""The signage app's part of the demo: the permanent sign on building 1#, recorded by the owner
once construction started, with its photo."""

import datetime
import io

from django.db import transaction

from . import actions


def load(context) -> None:
    """`context` is the projects demo's DemoContext (the project and its people)."""
    project, owner = context.project, context.owner
    with transaction.atomic():
        sign = actions.record_sign(
            project,
            building="1#",
            material="granite",
            material_note="黑色，金色阴刻宋体字",
            width_mm=800,
            height_mm=600,
            thickness_mm=20,
            location_text="1#楼南侧主入口左侧墙面, 距地面约2米",
            coordinates={"type": "Point", "coordinates": [113.32452, 23.11948]},
            installed_on=datetime.date(2026, 4, 3),
            actor=owner,
        )
        actions.add_sign_photo(
            project, sign_id=sign.pk, stream=io.BytesIO(sign_photo_png()), original_name="sign-1.png", actor=owner
        )


def sign_photo_png() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (400, 300), (25, 25, 28))
    draw = ImageDraw.Draw(image)
    draw.rectangle([10, 10, 390, 290], outline=(201, 162, 39), width=4)
    for i, line in enumerate(["PROJECT SIGN 1#", "OWNER / SURVEY / DESIGN", "CONTRACTOR / SUPERVISOR", "50 YEARS"]):
        draw.text((40, 60 + 50 * i), line, fill=(201, 162, 39))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
