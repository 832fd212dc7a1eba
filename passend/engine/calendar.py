"""Time: monthly steps, school years from August to July, counts on 1 October.

Step 0 is October 2003 (the month that starts with the 1 October 2003 count). A step stands for a whole month; the
state at the start of an October step is the 1 October count.
"""

from __future__ import annotations

import datetime as dt

from passend.engine.settings import FIRST_START


def month_of_step(step: int) -> dt.date:
    """First day of the month simulated in ``step``."""
    months = FIRST_START.month - 1 + step
    return dt.date(FIRST_START.year + months // 12, months % 12 + 1, 1)


def steps_until(end: dt.date) -> int:
    """Number of monthly steps from the start up to and including the month of ``end``."""
    return (end.year - FIRST_START.year) * 12 + end.month - FIRST_START.month + 1


def school_year_of(day: dt.date) -> int:
    """The calendar year in which the school year containing ``day`` began (August)."""
    return day.year if day.month >= 8 else day.year - 1


def school_year_label(first_year: int) -> str:
    """'2013-2014' for the school year that starts in August 2013."""
    return f"{first_year}-{first_year + 1}"
