"""Dates people enter (appointments, letters, construction and completion): read strictly as
YYYY-MM-DD, within sane bounds (settings.DATE_EARLIEST to DATE_YEARS_AHEAD years after today)
and in order with the project's other dates; refused as InvalidInput naming the field."""

import datetime
import re

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from plumbline.core.errors import InvalidInput

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def date_bounds(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    today = today or timezone.localdate()
    years = min(settings.DATE_YEARS_AHEAD, datetime.MAXYEAR - 1 - today.year)
    try:
        latest = today.replace(year=today.year + years)
    except ValueError:  # 29 February
        latest = today.replace(year=today.year + years, day=28)
    return settings.DATE_EARLIEST, latest


def check_date(value: datetime.date, *, field: str, label: str, not_after_today: bool = False) -> datetime.date:
    """`value` if it lies within the bounds (and is not in the future when `not_after_today`)."""
    today = timezone.localdate()
    earliest, latest = date_bounds(today)
    if not_after_today and value > today:
        raise InvalidInput(
            _("%(field)s %(value)s is in the future.") % {"field": label, "value": value.isoformat()}, field=field
        )
    if not earliest <= value <= latest:
        raise InvalidInput(
            _("%(field)s %(value)s is out of range: dates run from %(earliest)s to %(latest)s.")
            % {"field": label, "value": value.isoformat(), "earliest": earliest, "latest": latest},
            field=field,
        )
    return value


def check_not_before(
    value: datetime.date, other: datetime.date | None, *, field: str, label: str, other_label: str
) -> None:
    """Refuse `value` when it falls before `other` (nothing to compare with when `other` is None)."""
    if other is not None and value < other:
        raise InvalidInput(
            _("%(field)s %(value)s is before %(other_field)s (%(other)s).")
            % {"field": label, "value": value.isoformat(), "other_field": other_label, "other": other.isoformat()},
            field=field,
        )


def check_not_after(
    value: datetime.date, other: datetime.date | None, *, field: str, label: str, other_label: str
) -> None:
    if other is not None and value > other:
        raise InvalidInput(
            _("%(field)s %(value)s is after %(other_field)s (%(other)s).")
            % {"field": label, "value": value.isoformat(), "other_field": other_label, "other": other.isoformat()},
            field=field,
        )


def parse_iso_date(raw: str, *, field: str, label: str) -> datetime.date:
    """A query parameter such as `?at=2026-03-02`: only YYYY-MM-DD is a date (pydantic would read
    `0` as 1970-01-01)."""
    text = (raw or "").strip()
    try:
        if not ISO_DATE.fullmatch(text):
            raise ValueError
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            _("%(field)s must be a date written YYYY-MM-DD, e.g. 2026-03-02; %(value)r is not.")
            % {"field": label, "value": raw},
            field=field,
        ) from None
