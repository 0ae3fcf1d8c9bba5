"""Fields shared by the maintenance schemas: UTC instants, common places (locations), choices."""
from __future__ import annotations

from flask_babel import gettext as _
from marshmallow import ValidationError, fields, validate

from pms.core.fields import utc_text
from pms.maintenance.services.common import parse_location


LOCATION_HELP = (
    "A common place of an estate: the string 'ESTATE' (an estate area), 'ESTATE-BUILDING' or "
    "'ESTATE-BUILDING-ENTRANCE' (e.g. 'YJL-3-2'), or the object "
    "{\"estate\": \"YJL\", \"building\": \"3\", \"entrance\": \"2\"} (building and entrance optional). "
    "Use `place` for a free-text spot such as 'north gate'. Give either `room` or `location`.")


class UtcDateTime(fields.DateTime):
    """ISO 8601 in UTC with a Z suffix, to the second: 2026-01-05T08:30:00Z."""

    def _serialize(self, value, attr, obj, **kwargs):
        return utc_text(value)


class LocationField(fields.Field):
    """'YJL' / 'YJL-3' / 'YJL-3-2' or {"estate", "building", "entrance"} → a dict."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            try:
                return parse_location(value)
            except ValueError:
                raise ValidationError(_("Use ESTATE, ESTATE-BUILDING or ESTATE-BUILDING-ENTRANCE.")) from None
        if isinstance(value, dict):
            unknown = set(value) - {"estate", "building", "entrance"}
            if unknown:
                raise ValidationError(_("Unknown keys: %(keys)s.", keys=", ".join(sorted(unknown))))
            out = {k: value.get(k) for k in ("estate", "building", "entrance")}
            if not isinstance(out["estate"], str) or not out["estate"].strip():
                raise ValidationError(_("estate is required."))
            for key in ("building", "entrance"):
                if out[key] is not None and (not isinstance(out[key], str) or not out[key].strip()):
                    raise ValidationError(_("%(key)s must be a non-empty string.", key=key))
            if out["entrance"] and not out["building"]:
                raise ValidationError(_("An entrance needs its building."))
            return out
        raise ValidationError(_("A string or an object is required."))


def one_of(choices):
    return validate.OneOf(list(choices))
