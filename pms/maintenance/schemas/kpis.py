"""The maintenance KPIs of an estate and month: the query (API and page) and the dump."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from pms.core.fields import FilterQuerySchema, Period


class KpiQuerySchema(Schema):
    period = Period(required=True)


class KpiPageQuerySchema(FilterQuerySchema):
    """The KPI page's filter form (blank fields: the first estate, the previous month)."""

    estate = fields.String(load_default=None, validate=validate.Length(max=32))
    period = Period(load_default=None)


class KpiSchema(Schema):
    estate = fields.String()
    period = fields.String()
    households = fields.Integer()
    requests = fields.Integer()
    requests_per_100_households = fields.Float(allow_none=True)
    response_minutes_median = fields.Float(allow_none=True)
    response_minutes_p90 = fields.Float(allow_none=True)
    resolution_hours_median = fields.Float(allow_none=True)
    resolution_hours_p90 = fields.Float(allow_none=True)
    sla_compliance_percent = fields.Float(allow_none=True)
    sla_met = fields.Integer()
    sla_breached = fields.Integer()
    average_rating = fields.Float(allow_none=True)
    ratings = fields.Integer()
    reopen_rate_percent = fields.Float(allow_none=True)
    complaints = fields.Integer()
