"""Pure ifcopenshell + shapely code: plain values in, plain values out, no Django.

`reading` opens what users upload (.ifc, .ifczip) and turns every way a file can be unusable
into a sentence; `metadata` walks the spatial tree and the physical elements; `footprints` gives
each body its plan outline, read from the model by `bodies` (extrusions) and `breps` (faceted
breps) where that is certain, else tessellated by the kernel and projected, both traced on the
0.1 mm grid by `tracing`; `plan` draws a storey as SVG.
"""
