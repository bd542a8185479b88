"""Pure ifcopenshell + shapely code: plain values in, plain values out, no Django.

`reading` opens what users upload (.ifc, .ifczip) and turns every way a file can be unusable
into a sentence; `metadata` walks the spatial tree and the physical elements; `footprints`
tessellates bodies and projects them to plan outlines; `plan` draws a storey as SVG.
"""
