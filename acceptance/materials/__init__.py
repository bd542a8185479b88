"""Building materials on site: batches, entry inspection, witnessed samples, lab reports and the
elements each batch went into (DOMAIN.md s6 and s10)."""
