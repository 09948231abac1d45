"""The calendar of an office, in one place: the schedules' time zone and times, and how old the serving
release may grow before Dagster flags it (the release asset's freshness policy)."""

from __future__ import annotations

from datetime import timedelta

SCHEDULE_TIMEZONE = "Europe/Rome"
MONTHLY_CRON = "0 6 1 * *"  # 06:00 on the first day of every month
ANNUAL_CRON = "0 6 15 1 *"  # 06:00 on 15 January
# The monthly schedule renews or confirms the release: late after a month and a day, failing after a month
# plus four days of grace (a missed monthly run).
RELEASE_WARN_AGE = timedelta(days=32)
RELEASE_MAX_AGE = timedelta(days=35)
