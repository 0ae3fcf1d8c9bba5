"""Estate schemas at the API edge (what each role sees is decided here and in services)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from pms.core.fields import FilterQuerySchema, PagedSchema
from pms.core.pagination import MAX_PAGE, PageArgsSchema


class EstateSchema(Schema):
    code = fields.String()
    name = fields.String()
    district_code = fields.String()
    district_name = fields.String()
    company_code = fields.String()
    company_name = fields.String()
    buildings = fields.Integer()
    rooms = fields.Integer()
    area_centi_m2 = fields.Integer()


class EstateListSchema(Schema):
    items = fields.List(fields.Nested(EstateSchema))


class EntranceSchema(Schema):
    code = fields.String()
    rooms = fields.Integer()
    floors = fields.Integer()


class BuildingSchema(Schema):
    code = fields.String()
    rooms = fields.Integer()
    entrances = fields.List(fields.Nested(EntranceSchema))


class BuildingListSchema(Schema):
    items = fields.List(fields.Nested(BuildingSchema))


class PersonSchema(Schema):
    name = fields.String()
    phone = fields.String()
    id_number = fields.String(allow_none=True)
    relation = fields.String()


class RoomSchema(Schema):
    code = fields.String()
    estate_code = fields.String()
    estate_name = fields.String()
    building = fields.String()
    entrance = fields.String()
    number = fields.String()
    floor = fields.Integer()
    area_centi_m2 = fields.Integer()
    area_m2 = fields.Method("get_area_m2")
    usage = fields.String()
    owners = fields.List(fields.Nested(PersonSchema))
    residents = fields.List(fields.Nested(PersonSchema))

    def get_area_m2(self, obj) -> str:
        whole, frac = divmod(obj.area_centi_m2, 100)
        return f"{whole}.{frac:02d}"


class RoomBriefSchema(Schema):
    code = fields.String()
    number = fields.String()
    floor = fields.Integer()
    area_centi_m2 = fields.Integer()
    usage = fields.String()


class RoomListSchema(PagedSchema):
    items = fields.List(fields.Nested(RoomBriefSchema))


class RoomQuerySchema(PageArgsSchema):
    estate = fields.String(validate=validate.Length(max=32))
    building = fields.String(validate=validate.Length(max=16))
    entrance = fields.String(validate=validate.Length(max=16))
    q = fields.String(load_default="", validate=validate.Length(max=64))


class EstatePageArgsSchema(FilterQuerySchema):
    """Query string of the estate list: a page."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))


class RoomPageArgsSchema(Schema):
    """Query string of the room list page: a place (estate › building › entrance), a search, a page."""

    class Meta:
        # Pages also carry ?lang= and whatever a browser or a shared link adds; ignore the rest.
        unknown = EXCLUDE

    estate = fields.String(load_default="", validate=validate.Length(max=32))
    building = fields.String(load_default="", validate=validate.Length(max=16))
    entrance = fields.String(load_default="", validate=validate.Length(max=16))
    q = fields.String(load_default="", validate=validate.Length(max=64))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))

    @validates_schema
    def _place_is_a_path(self, data, **_kwargs):
        if data.get("building") and not data.get("estate"):
            raise ValidationError(_l("A building needs its estate."), "building")
        if data.get("entrance") and not data.get("building"):
            raise ValidationError(_l("An entrance needs its building."), "entrance")
