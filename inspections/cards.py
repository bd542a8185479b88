"""Sections that the apps above inspections add to an element's card on the plan (the lots an
element is in, its material batches): each a function (request, project, version, element) ->
HTML, registered by its own app when it starts. The card calls them without importing them."""

from django.utils.safestring import mark_safe

ELEMENT_CARD_SECTIONS: list = []


def add_element_card_section(section) -> None:
    if section not in ELEMENT_CARD_SECTIONS:
        ELEMENT_CARD_SECTIONS.append(section)


def element_card_sections(request, project, version, element) -> list[str]:
    """The registered sections' HTML, in the order the apps started; each renders its own
    escaped template, and an empty one (nothing to show, or not for this user) is left out."""
    found = [section(request, project, version, element) for section in ELEMENT_CARD_SECTIONS]
    return [mark_safe(html) for html in found if html]  # noqa: S308 - rendered by the apps' templates


# --- marks on the storey plan ---------------------------------------------------------------------
# Functions (request, project, version) -> list of {"name", "label", "colour", "global_ids"}
# registered by the apps above (the elements of a failed material batch): the plan page colours
# those elements and names each mark in its legend.
PLAN_MARKS: list = []


def add_plan_marks(marks) -> None:
    if marks not in PLAN_MARKS:
        PLAN_MARKS.append(marks)


def _is_global_id(value: str) -> bool:
    return len(value) == 22 and value.replace("_", "").replace("$", "").isalnum()


def plan_marks(request, project, version) -> tuple[list[dict], str]:
    """The marks for a version's plan and the CSS that colours their elements (GlobalIds checked:
    22 characters of the IFC alphabet, so no quote or markup gets into the style)."""
    marks, rules = [], []
    for provider in PLAN_MARKS:
        for mark in provider(request, project, version) or []:
            ids = sorted(g for g in mark["global_ids"] if _is_global_id(g))
            if not ids:
                continue
            marks.append({"name": mark["name"], "label": mark["label"], "colour": mark["colour"], "count": len(ids)})
            selector = ",".join(f'#plan [data-global-id="{g}"]' for g in ids)
            rules.append(f"{selector} {{ fill:{mark['colour']}; stroke:{mark['colour']}; stroke-width:.08; }}")
    return marks, mark_safe("\n".join(rules))  # noqa: S308 - selectors of checked GlobalIds, colours of the apps
