"""How much a person may type: the limits of free text in one place, and the rule that text
longer than its column is refused (a 422 naming the field and its limit), never cut to fit and
never left to the database (SQLite stores it whole, PostgreSQL fails with a DataError).

Schemas declare the limits (`Field(max_length=TEXT_LENGTH)`), pages put them on their inputs
(`maxlength`), and actions call `require_fits` for text that reaches them from a page.
"""

from typing import Annotated

from django.db import models
from django.db.models.signals import pre_save
from django.utils.translation import gettext
from pydantic import StringConstraints

from .errors import InvalidInput

#: descriptions, notes, reasons, summaries: about two pages of Chinese
TEXT_LENGTH = 5000
#: titles and short names a person gives a thing
TITLE_LENGTH = 200
#: a choice from a list (kind, category, severity, party ...): the columns that keep them
CHOICE_LENGTH = 20
#: other codes a client sends (a client UUID, a reason code, a sub-item code)
CODE_LENGTH = 50
#: an IFC GlobalId (IFC base64)
GLOBAL_ID_LENGTH = 22


class TooLong(InvalidInput):
    code = "too_long"


def too_long(field: str, limit: int, length: int, label: str = "") -> TooLong:
    return TooLong(
        gettext("%(field)s may have at most %(limit)d characters; it has %(length)d.")
        % {"field": label or field, "limit": limit, "length": length},
        field=field,
        code="too_long",
    )


def require_fits(value: str | None, *, field: str, limit: int = TEXT_LENGTH, label: str = "") -> str:
    """The value itself when it fits its limit; else a TooLong naming the field (by `label`, the
    name the page gives it, when there is one) and the limit."""
    if value is not None and len(value) > limit:
        raise too_long(field, limit, len(value), label)
    return value


def refuse_overlong_columns(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    """Before any row is saved: a text column longer than its max_length is refused. The safety
    net under the schemas and pages, so no path cuts a value or hands it to the database."""
    if raw:  # fixtures are loaded as they are
        return
    for field in instance._meta.concrete_fields:
        if not isinstance(field, models.CharField) or not field.max_length:
            continue
        if update_fields is not None and field.name not in update_fields and field.attname not in update_fields:
            continue
        value = getattr(instance, field.attname, None)
        if isinstance(value, str) and len(value) > field.max_length:
            raise too_long(field.name, field.max_length, len(value))


def connect() -> None:
    pre_save.connect(refuse_overlong_columns, dispatch_uid="plumbline.core.limits")


# The types schemas give their text fields (pydantic checks them, OpenAPI declares maxLength).
Choice = Annotated[str, StringConstraints(max_length=CHOICE_LENGTH)]
Code = Annotated[str, StringConstraints(max_length=CODE_LENGTH)]
Title = Annotated[str, StringConstraints(max_length=TITLE_LENGTH)]
Text = Annotated[str, StringConstraints(max_length=TEXT_LENGTH)]
GlobalId = Annotated[str, StringConstraints(max_length=GLOBAL_ID_LENGTH)]


def input_limits(request) -> dict:
    """Template context: `maxlength="{{ limits.text }}"` on a page's textareas."""
    return {"limits": {"text": TEXT_LENGTH, "title": TITLE_LENGTH, "code": CODE_LENGTH}}
