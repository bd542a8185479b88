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
