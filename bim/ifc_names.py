"""What people call the IFC classes: `IfcWall` is 墙 on a page, while the API and the data keep
the class name as the standard spells it. One map, translated through gettext; a class not in it
is shown as it is."""

from django.utils.translation import gettext_lazy as _

IFC_CLASS_NAMES = {
    "IfcWall": _("wall"),
    "IfcWallStandardCase": _("wall"),
    "IfcWallElementedCase": _("wall"),
    "IfcCurtainWall": _("curtain wall"),
    "IfcColumn": _("column"),
    "IfcBeam": _("beam"),
    "IfcSlab": _("slab"),
    "IfcDoor": _("door"),
    "IfcWindow": _("window"),
    "IfcStair": _("stair"),
    "IfcStairFlight": _("stair flight"),
    "IfcRamp": _("ramp"),
    "IfcRampFlight": _("ramp flight"),
    "IfcRoof": _("roof"),
    "IfcRailing": _("railing"),
    "IfcCovering": _("covering"),
    "IfcPlate": _("plate"),
    "IfcMember": _("member"),
    "IfcFooting": _("footing"),
    "IfcPile": _("pile"),
    "IfcReinforcingBar": _("rebar"),
    "IfcReinforcingMesh": _("rebar mesh"),
    "IfcTendon": _("tendon"),
    "IfcElementAssembly": _("element assembly"),
    "IfcBuildingElementProxy": _("building element"),
    "IfcBuildingElementPart": _("element part"),
    "IfcChimney": _("chimney"),
    "IfcShadingDevice": _("shading device"),
    "IfcOpeningElement": _("opening"),
    "IfcSpace": _("space"),
    "IfcFurnishingElement": _("furniture"),
    "IfcFurniture": _("furniture"),
    "IfcFlowSegment": _("pipe or duct"),
    "IfcPipeSegment": _("pipe"),
    "IfcDuctSegment": _("duct"),
    "IfcFlowTerminal": _("terminal"),
    "IfcSanitaryTerminal": _("sanitary fitting"),
    "IfcLightFixture": _("light"),
    "IfcDiscreteAccessory": _("accessory"),
    "IfcMechanicalFastener": _("fastener"),
    "IfcFastener": _("fastener"),
}


def ifc_class_name(ifc_class: str | None) -> str:
    """墙 for IfcWall; a class without a name as it is."""
    name = IFC_CLASS_NAMES.get(ifc_class or "")
    return str(name) if name is not None else (ifc_class or "")


def ifc_class_label(ifc_class: str | None) -> str:
    """墙 (IfcWall): the name and the class, for where both help (a class without a name alone)."""
    name = IFC_CLASS_NAMES.get(ifc_class or "")
    return f"{name} ({ifc_class})" if name is not None else (ifc_class or "")
