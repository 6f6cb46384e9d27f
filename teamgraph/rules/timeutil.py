"""Time as integer epoch ms (UTC); the shop's time zone only where a rule speaks of days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

MS_PER_HOUR = 3_600_000
MS_PER_DAY = 24 * MS_PER_HOUR


def to_ms(value: datetime) -> int:
    if value.tzinfo is None:
        raise ValueError("a naive datetime has no time zone; give an offset")
    return int(value.timestamp() * 1000)


def from_ms(ms: int, tz: str = "UTC") -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=ZoneInfo(tz) if tz != "UTC" else UTC)


def iso(ms: int | None, tz: str = "UTC") -> str | None:
    """ISO-8601 with offset, as docs/api.md's responses carry times."""
    return None if ms is None else from_ms(ms, tz).isoformat(timespec="milliseconds")


def next_local_time(ms: int, tz: str, hour: int) -> int:
    """The epoch ms of ``hour``:00 on the calendar day after ``ms`` in time zone ``tz``."""
    local = from_ms(ms, tz)
    day = (local + timedelta(days=1)).date()
    at = datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(tz))
    return to_ms(at)


LATEST_MS = 32_503_680_000_000
"""3000-01-01T00:00:00Z: times are from 1970 (epoch 0) up to the end of 2999."""


def parse_instant(value: str | int | None, *, now: int, field: str = "at") -> int:
    """docs/api.md: times are accepted as ISO-8601 with an offset or as epoch ms; omitted is now."""
    from teamgraph.errors import ValidationError

    if value is None:
        return now
    if isinstance(value, bool):
        raise ValidationError("time.invalid", f"{field}: not a time", field=field)
    if isinstance(value, int):
        if not 0 <= value < LATEST_MS:
            raise ValidationError(
                "time.invalid", f"{field}: epoch ms out of range (1970 to 2999)", field=field
            )
        return value
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationError(
            "time.invalid", f"{field}: {value!r} is not ISO-8601 or epoch ms", field=field
        ) from None
    if parsed.tzinfo is None:
        raise ValidationError(
            "time.invalid", f"{field}: {value!r} has no UTC offset", field=field
        ) from None
    ms = to_ms(parsed)
    if not 0 <= ms < LATEST_MS:  # the same range either way: year 1 was accepted as text
        raise ValidationError(
            "time.invalid", f"{field}: {value!r} is out of range (1970 to 2999)", field=field
        )
    return ms
