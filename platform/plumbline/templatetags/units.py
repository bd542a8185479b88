"""Units as a person reads them: the codes data keeps (`m3`, `m2`, `pcs`) shown as symbols or
words (`{{ batch.unit|unit_symbol }}` -> m³)."""

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

SYMBOLS = {"m3": "m³", "m2": "m²", "pcs": _("pcs"), "t": "t", "m": "m", "kg": "kg"}


@register.filter
def unit_symbol(code) -> str:
    """The symbol of a unit code; an unknown one as it is."""
    return str(SYMBOLS.get(str(code or "").strip(), code or ""))
