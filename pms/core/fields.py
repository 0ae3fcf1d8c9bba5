"""Bounded fields every schema shares: periods, business dates and instants (with the years of
`core.periods`), yuan typed by people (integer fen inside), length-first lists and dicts, UTC
text, and the envelope of a paged list."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Optional

from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate

from pms.core import periods
from pms.core.i18n import _l
from pms.core.i18n import translate as _
from pms.core.money import fen_to_yuan_text, parse_yuan

# ---- bounded fields: periods, business dates, instants (bounds: core.periods) ----------------

PERIOD_MESSAGE = _l("Not a period (YYYY-MM).")
YEAR_RANGE = f"{periods.MIN_YEAR}–{periods.MAX_YEAR}"


class Period(fields.String):
    """A billing period: ASCII `YYYY-MM`, a year within core.periods' bounds."""

    def __init__(self, **kwargs):
        metadata = {"pattern": periods.PERIOD_PATTERN, "example": "2026-03",
                    "description": f"YYYY-MM, years {YEAR_RANGE}", **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if not periods.is_period(text):
            # A plain str: a lazy string given to a field validator is split into characters.
            raise ValidationError(PERIOD_MESSAGE)
        return text


def date_range_message() -> str:
    # The wording of marshmallow's Range, so the catalog's template translates it.
    return (f"Must be greater than or equal to {periods.FIRST_DAY.isoformat()} and less than or "
            f"equal to {periods.LAST_DAY.isoformat()}.")


class BusinessDate(fields.Date):
    """A date (YYYY-MM-DD) within core.periods' years: `as_of=9999-12-31` is refused, not a 500."""

    def __init__(self, **kwargs):
        metadata = {"description": f"YYYY-MM-DD, years {YEAR_RANGE}", **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        day = super()._deserialize(value, attr, data, **kwargs)
        if not periods.in_bounds(day):
            raise ValidationError(date_range_message())
        return day


class Instant(fields.AwareDateTime):
    """An ISO 8601 instant with its UTC offset, its local date within core.periods' years.

    The year is checked on the value as written, before any conversion: 0001-01-01T00:00:00+14:00
    lies before year 1 in UTC and would overflow."""

    def __init__(self, **kwargs):
        metadata = {"description": f"ISO 8601 with an offset, years {YEAR_RANGE}", **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        instant = super()._deserialize(value, attr, data, **kwargs)
        if not periods.in_bounds(instant.date()):
            raise ValidationError(date_range_message())
        return instant


class Yuan(fields.Field):
    """An amount typed in yuan ('45', '45.5', '¥45.50', '12.3元') → integer fen, parsed with
    Decimal (core.money.parse_yuan) and bounded: `minimum_fen`..`maximum_fen` inclusive."""

    def __init__(self, *, minimum_fen: int = 0, maximum_fen: int = 100_000_000, **kwargs):
        metadata = {"description": "yuan, e.g. 45.50", "example": "45.50", **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)
        self.minimum_fen, self.maximum_fen = minimum_fen, maximum_fen

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            fen = parse_yuan(value)
        except ValueError:
            raise ValidationError(_("Enter an amount such as 45.50.")) from None
        if fen < self.minimum_fen:
            if self.minimum_fen == 0:
                raise ValidationError(_("Must not be negative."))
            # The wording of marshmallow's Range, so the catalog's template translates it.
            raise ValidationError(f"Must be greater than or equal to {fen_to_yuan_text(self.minimum_fen)}.")
        if fen > self.maximum_fen:
            raise ValidationError(f"Must be less than or equal to {self.maximum_fen // 100}.")
        return fen


class _LengthFirst:
    """Checks the length of a list/mapping BEFORE its elements are deserialized (marshmallow's own
    `validate=Length(...)` runs after: 120,000 items would all be loaded first)."""

    def __init__(self, *args, min_length: int = 0, max_length: int, **kwargs):
        self.length = validate.Length(min=min_length or None, max=max_length)
        super().__init__(*args, validate=self.length, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, (list, dict)):
            self.length(value)
        return super()._deserialize(value, attr, data, **kwargs)


class BoundedList(_LengthFirst, fields.List):
    """A list of at most `max_length` elements (OpenAPI maxItems), refused before it is loaded."""


class BoundedDict(_LengthFirst, fields.Dict):
    """A mapping of at most `max_length` keys (OpenAPI maxProperties), refused before it is loaded."""


def utc_text(instant: Optional[datetime]) -> Optional[str]:
    """'2026-01-05T08:30:00Z' (always four digits of year; strftime's %Y drops leading zeros)."""
    if instant is None:
        return None
    utc = instant.astimezone(timezone.utc)
    return f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}Z"


class FilterQuerySchema(Schema):
    """A page's GET filter form: a field left blank (a filter at "any") is missing, values are
    trimmed, and arguments the page does not read (?lang=, a shared link's extras) are ignored."""

    class Meta:
        unknown = EXCLUDE

    @pre_load
    def _drop_blanks(self, data, **_kwargs):
        return {k: v.strip() if isinstance(v, str) else v for k, v in dict(data).items()
                if v is not None and str(v).strip() != ""}


class PagedSchema(Schema):
    """The envelope of a paged list (`items` is declared by each subclass)."""

    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()
