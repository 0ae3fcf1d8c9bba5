"""The home page's query string."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from pms.core.pagination import MAX_PAGE


class HomeArgsSchema(Schema):
    """`?page=N` of a home that lists a page at a time (the district's estates)."""

    class Meta:
        unknown = EXCLUDE  # ?lang= and whatever a browser adds

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
