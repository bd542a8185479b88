"""The inspections app's part of the demo: findings in each state on elements of the demo model,
with photos (the open one assigned to the contractor's project manager, with his notice), and a
masonry checklist filled in twice (one completed, its failed item now a finding; one half done)."""

import io
import uuid

from bim.demo import MODEL_NAME
from bim.models import ModelVersion

from . import actions

DEMO_CHECKLIST_ITEMS = [
    ("砌块强度等级符合设计要求", False),
    ("水平灰缝砂浆饱满度 ≥ 80%", True),
    ("拉结筋每 500 mm 设置一道", True),
    ("墙面垂直度每层 ≤ 5 mm", False),
    ("构造柱马牙槎设置正确", False),
]


def load(context) -> None:
    """`context` is the projects demo's DemoContext; the model is the one the bim demo ingested."""
    version = ModelVersion.objects.get(model__project=context.project, model__name=MODEL_NAME)
    _load_findings(context.project, version, context.user("inspector"), context.user("contractor"))
    _load_checklists(context.project, version, context.user("chief_inspector"), context.user("inspector"))


def _load_findings(project, version, inspector, contractor) -> None:
    def element(name):
        return version.elements.get(name=name).global_id

    def photo(finding, who, label):
        actions.add_finding_photo(
            project,
            finding_id=finding.pk,
            client_uuid=uuid.uuid5(uuid.NAMESPACE_URL, f"demo-{label}"),
            stream=io.BytesIO(finding_photo_png(label)),
            original_name=f"{label}.png",
            actor=who,
        )

    def finding(label, title, names, category, severity, **extra):
        created, _ = actions.open_finding(
            project,
            client_uuid=uuid.uuid5(uuid.NAMESPACE_URL, f"demo-finding-{label}"),
            version_id=version.pk,
            global_ids=[element(n) for n in names],
            category=category,
            severity=severity,
            title=title,
            actor=inspector,
            **extra,
        )
        photo(created, inspector, f"{label}-found")
        return created

    crack = finding(
        "crack",
        "墙体裂缝：南墙开裂",
        ["1F 南墙"],
        "structure",
        "major",
        description="裂缝宽 0.3 mm、长 1.2 m，位于入口门附近。",
    )
    # given to the contractor's project manager, who finds the notice under the bell
    actions.assign_finding(project, finding_id=crack.pk, person_id=contractor.person.pk, actor=inspector)
    sealing = finding("sealing", "窗框渗水", ["1F 窗 W1"], "waterproofing", "minor")
    photo(sealing, contractor, "sealing-fixed")
    actions.move_finding(
        project,
        finding_id=sealing.pk,
        verb="submit_rectification",
        note="已用硅酮密封胶重新密封，并做淋水试验。",
        actor=contractor,
    )
    column = finding("honeycomb", "柱蜂窝麻面：C2 柱", ["1F 柱 C2"], "structure", "critical")
    photo(column, contractor, "honeycomb-fixed")
    actions.move_finding(
        project,
        finding_id=column.pk,
        verb="submit_rectification",
        note="已用高强砂浆修补。",
        actor=contractor,
    )
    actions.move_finding(project, finding_id=column.pk, verb="verify", note="验收合格。", actor=inspector)


def _load_checklists(project, version, chief, inspector) -> None:
    """A masonry checklist: one filled and completed on the 2F 北墙 (its failed item is now a
    finding), one half filled on the 1F 南墙."""
    template = actions.create_checklist_template(
        project,
        name="砌体工程检查（抹灰前）",
        category="structure",
        description="GB 50203：墙体抹灰前检查。",
        items=[{"text": text, "photo_required": photo} for text, photo in DEMO_CHECKLIST_ITEMS],
        actor=chief,
    )
    items = list(template.items.all())

    def start(label, wall):
        checklist, _ = actions.start_checklist(
            project,
            client_uuid=uuid.uuid5(uuid.NAMESPACE_URL, f"demo-checklist-{label}"),
            template_id=template.pk,
            version_id=version.pk,
            global_ids=[version.elements.get(name=wall).global_id],
            actor=inspector,
        )
        return checklist

    def answer(checklist, item, result, note=""):
        actions.answer_checklist_item(
            project, checklist_id=checklist.pk, item_id=item.pk, result=result, note=note, actor=inspector
        )
        if item.photo_required and result != "na":
            actions.add_checklist_photo(
                project,
                checklist_id=checklist.pk,
                item_id=item.pk,
                client_uuid=uuid.uuid5(checklist.client_uuid, f"photo-{item.position}"),
                stream=io.BytesIO(finding_photo_png(f"checklist {checklist.pk} item {item.position}")),
                original_name=f"item-{item.position}.png",
                actor=inspector,
            )

    done = start("2f-north", "2F 北墙")
    answer(done, items[0], "pass")
    answer(done, items[1], "pass")
    answer(done, items[2], "fail", "墙角附近最上三皮砌块缺少拉结筋。")
    answer(done, items[3], "pass")
    answer(done, items[4], "na", "此墙无构造柱。")
    actions.complete_checklist(project, checklist_id=done.pk, actor=inspector)
    half = start("1f-south", "1F 南墙")
    answer(half, items[0], "pass")
    answer(half, items[1], "pass")


def finding_photo_png(label: str) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 480), (210, 205, 195))
    draw = ImageDraw.Draw(image)
    draw.line([(80, 120), (300, 260), (560, 330)], fill=(60, 60, 60), width=5)
    draw.text((20, 20), label, fill=(20, 20, 20))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
