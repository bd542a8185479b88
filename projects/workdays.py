"""Working days for deadlines such as "letters within 5 working days of a leader change".

Monday to Friday, less the dates listed in PLUMBLINE_HOLIDAYS, plus the weekend dates listed in
PLUMBLINE_WORKING_WEEKENDS (China moves working days around public holidays).
"""

import datetime

from django.conf import settings


def is_working_day(day: datetime.date) -> bool:
    if day in settings.WORKING_WEEKENDS:
        return True
    return day.weekday() < 5 and day not in settings.HOLIDAYS


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The date `days` working days after `start` (the start day itself does not count).

    A deadline that would fall after the last representable date is that date (it never comes)
    rather than an OverflowError that would break every page showing it."""
    day = start
    remaining = days
    while remaining > 0:
        if day >= datetime.date.max:
            return datetime.date.max
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day
