"""Pure ifcopenshell + shapely code: plain values in, plain values out, no Django."""
