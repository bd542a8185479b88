"""IFC classes as a person reads them: `{{ element.ifc_class|ifc_class_name }}` -> 墙,
`{{ element.ifc_class|ifc_class_label }}` -> 墙 (IfcWall) (bim.ifc_names)."""

from django import template

from bim.ifc_names import ifc_class_label as _label
from bim.ifc_names import ifc_class_name as _name

register = template.Library()


@register.filter
def ifc_class_name(value) -> str:
    return _name(str(value or ""))


@register.filter
def ifc_class_label(value) -> str:
    return _label(str(value or ""))
