"""GB 50300 quality acceptance: a building's unit project split into divisions, sub-divisions,
sub-items and inspection lots (lots generated from the IFC model), the lots' inspection records,
and the signatures that accept each level upward, refused while anything below is not right."""
