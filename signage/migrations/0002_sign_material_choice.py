"""A sign's material becomes a code from a list (signage/materials.py) instead of free text.

The old text is kept in `material_note` on every row, so nothing is lost. Where it names exactly
one listed material and no word of a stand-in (foam, imitation, composite, plastic...), the row
gets that material's code; otherwise its material is left empty, which flags the sign
(`material_unrecognised`) until someone records it properly. The words are written out here, not
imported, so the migration gives the same result whatever the list becomes.
"""

from django.db import migrations, models

NOT_PERMANENT = (
    "泡沫",
    "foam",
    "kt板",
    "kt board",
    "仿",
    "imitation",
    "faux",
    "复合",
    "composite",
    "非金属",
    "non-metal",
    "pvc",
    "亚克力",
    "acrylic",
    "塑料",
    "plastic",
    "有机玻璃",
    "木",
    "wood",
    "纸",
    "paper",
    "喷绘",
    "写真",
    "贴膜",
    "sticker",
    "vinyl",
)
# In this order, each keyword taken out of the text once matched (黄铜 is brass, not also copper).
KEYWORDS = (
    ("stainless_steel", ("不锈钢", "stainless steel", "stainless")),
    ("brass", ("黄铜", "brass")),
    ("bronze", ("青铜", "bronze")),
    ("cast_copper", ("铸铜", "cast copper", "紫铜", "铜", "copper")),
    ("cast_iron", ("铸铁", "cast iron")),
    ("aluminium_plate", ("铝板", "铝", "aluminium", "aluminum")),
    ("granite", ("花岗岩", "花岗石", "granite")),
    ("marble", ("大理石", "marble")),
)


def material_code(text: str) -> str:
    text = (text or "").lower()
    if any(word in text for word in NOT_PERMANENT):
        return ""
    found = set()
    for code, words in KEYWORDS:
        for word in words:
            if word in text:
                found.add(code)
                text = text.replace(word, " ")
    return found.pop() if len(found) == 1 else ""


def to_codes(apps, schema_editor):
    PermanentSign = apps.get_model("signage", "PermanentSign")
    for sign in PermanentSign.objects.all().only("pk", "material"):
        PermanentSign.objects.filter(pk=sign.pk).update(
            material=material_code(sign.material), material_note=sign.material[:200]
        )


def to_text(apps, schema_editor):
    PermanentSign = apps.get_model("signage", "PermanentSign")
    for sign in PermanentSign.objects.all().only("pk", "material", "material_note"):
        PermanentSign.objects.filter(pk=sign.pk).update(material=(sign.material_note or sign.material)[:100])


class Migration(migrations.Migration):
    dependencies = [("signage", "0001_signs")]

    operations = [
        migrations.AddField(
            model_name="permanentsign",
            name="material_note",
            field=models.CharField(
                blank=True,
                help_text=(
                    "Colour, finish or engraving (e.g. black, gold engraved characters); on signs recorded "
                    "before materials were a list, the material text as it was given."
                ),
                max_length=200,
            ),
        ),
        migrations.RunPython(to_codes, to_text),
        migrations.AlterField(
            model_name="permanentsign",
            name="material",
            field=models.CharField(
                blank=True,
                help_text=(
                    "Code of a permanent material (signage/materials.py); empty on a sign recorded before "
                    "materials were a list whose text named none of them."
                ),
                max_length=40,
            ),
        ),
    ]
