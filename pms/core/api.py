"""JSON API plumbing: parsing with schemas, documenting routes, the OpenAPI document."""
from __future__ import annotations

import functools
import re
from typing import Any, Optional

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app, request
from marshmallow import Schema, ValidationError, fields

from pms.core.errors import BadRequest, Invalid
from pms.core.i18n import translate
from pms.core.i18n import translate as _

API_PREFIX = "/api/v1"


def load_json() -> Any:
    """The request's JSON body as parsed (400 when it is not JSON)."""
    if not request.is_json and request.get_data():
        raise BadRequest(_("The body must be JSON (Content-Type: application/json)."))
    payload = request.get_json(silent=True)
    if payload is None:
        raise BadRequest(_("The body is not valid JSON."))
    return payload


def load_body(schema: Schema) -> Any:
    """Parse the JSON body with `schema`: 400 when it is not JSON, 422 when a field is wrong."""
    return load_data(schema, load_json())


def load_data(schema: Schema, payload: Any) -> Any:
    """Validate already-parsed data with `schema`; 422 with the field paths on error."""
    try:
        return schema.load(payload)
    except ValidationError as err:
        raise Invalid(_("Some fields are invalid."), fields=_flatten(err.messages)) from err


def load_args(schema: Schema) -> Any:
    """Parse the query string with `schema` (422 on wrong values)."""
    return load_data(schema, request.args.to_dict())


def _flatten(messages, prefix: str = "") -> dict:
    """{'lines': {0: {'code': [...]}}} → {'lines.0.code': [...]}, each message in the user's language."""
    if isinstance(messages, list):
        return {prefix or "_schema": [localize_message(str(m)) for m in messages]}
    out: dict = {}
    for key, value in messages.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            out.update(_flatten(value, path))
        else:
            out[path] = [localize_message(str(m)) for m in (value if isinstance(value, list) else [value])]
    return out


def _l(msgid: str) -> str:
    """Marks a message for the catalog (pybabel extracts `_l`); translated when it is shown."""
    return msgid


# marshmallow's own messages (and the ones its validators compose), with their placeholders. The
# English text is what marshmallow produces; the catalog holds the translation.
VALIDATION_TEMPLATES = (
    _l("Missing data for required field."), _l("Field may not be null."), _l("Invalid value."),
    _l("Invalid type."), _l("Invalid input type."), _l("Unknown field."), _l("Invalid input."),
    _l("Not a valid string."), _l("Not a valid integer."), _l("Not a valid number."),
    _l("Not a valid boolean."), _l("Not a valid date."), _l("Not a valid datetime."),
    _l("Not a valid list."), _l("Not a valid mapping type."), _l("Number too large."),
    _l("String does not match expected pattern."),
    _l("Shorter than minimum length {min}."), _l("Longer than maximum length {max}."),
    _l("Length must be between {min} and {max}."), _l("Length must be {equal}."),
    _l("Must be one of: {choices}."),
    _l("Must be greater than or equal to {min}."), _l("Must be greater than {min}."),
    _l("Must be less than or equal to {max}."), _l("Must be less than {max}."),
    _l("Must be greater than or equal to {min} and less than or equal to {max}."),
)
_PATTERNS = [(re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>.+?)", re.escape(t)) + "$"), t)
             # Longest first: "… {min} and … {max}." must win over "… {min}.".
             for t in sorted(VALIDATION_TEMPLATES, key=len, reverse=True) if "{" in t]


def localize_message(message: str) -> str:
    """A validation message in the user's language: the catalog's own entry, or marshmallow's
    template it was made from with the values put back; unknown messages stay as they are."""
    translated = translate(message)
    if translated != message:
        return translated
    for pattern, template in _PATTERNS:
        match = pattern.match(message)
        if match:
            return translate(template).format(**match.groupdict())
    return message


def documented(*, summary: str, body: Optional[type[Schema]] = None,
               response: Optional[type[Schema]] = None, status: int = 200,
               many: bool = False, query: Optional[type[Schema]] = None,
               content_type: str = "application/json", public: bool = False, tag: str = ""):
    """Attach OpenAPI metadata to an API view (read back by `build_spec`)."""

    def decorator(view):
        view._openapi = dict(summary=summary, body=body, response=response, status=status,
                             many=many, query=query, content_type=content_type, public=public,
                             tag=tag)

        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            return view(*args, **kwargs)

        wrapper._openapi = view._openapi
        return wrapper

    return decorator


class PagedSchema(Schema):
    """The envelope of a paged list (`items` is declared by each subclass)."""

    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()


class ErrorDetailSchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    fields = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class ErrorSchema(Schema):
    error = fields.Nested(ErrorDetailSchema, required=True)


def _openapi_path(rule: str) -> str:
    import re

    return re.sub(r"<(?:[a-z_]+:)?([a-z_]+)>", r"{\1}", rule)


def build_spec(app) -> dict:
    """The OpenAPI 3 document of every documented route under /api/v1."""
    spec = APISpec(
        title="pms API", version="1", openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": "Property management for renovated old estates. "
                             "Money is integer fen (*_fen); periods are YYYY-MM (Asia/Shanghai)."},
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", schema=ErrorSchema)
    error_ref = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith(API_PREFIX):
            continue
        view = app.view_functions[rule.endpoint]
        meta = getattr(view, "_openapi", None)
        if meta is None:
            continue
        path = _openapi_path(rule.rule)
        operations = {}
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            op: dict = {"summary": meta["summary"], "operationId": f"{rule.endpoint}.{method.lower()}",
                        "responses": {}}
            if meta["tag"]:
                op["tags"] = [meta["tag"]]
            params = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                      for name in rule.arguments]
            if meta["query"] is not None:
                params.append({"in": "query", "schema": meta["query"]})
            if params:
                op["parameters"] = params
            if meta["body"] is not None:
                op["requestBody"] = {"required": True,
                                     "content": {"application/json": {"schema": meta["body"]}}}
            if meta["response"] is not None:
                schema: Any = meta["response"]
                if meta["many"]:
                    schema = {"type": "array", "items": schema}
                op["responses"][str(meta["status"])] = {
                    "description": "OK", "content": {meta["content_type"]: {"schema": schema}}}
            elif meta["content_type"] != "application/json":
                op["responses"][str(meta["status"])] = {
                    "description": "OK",
                    "content": {meta["content_type"]: {"schema": {"type": "string", "format": "binary"}}}}
            else:
                op["responses"][str(meta["status"])] = {"description": "OK"}
            for code, text in (("400", "Malformed request"), ("401", "Not authenticated"),
                               ("403", "Your role may not do this"),
                               ("404", "Unknown or outside your scope"), ("409", "Conflict"),
                               ("422", "Invalid fields")):
                op["responses"][code] = {"description": text, **error_ref}
            if not meta["public"]:
                op["security"] = [{"bearer": []}]
            operations[method.lower()] = op
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def spec_for_current_app() -> dict:
    """The OpenAPI document, built once per app."""
    cached = current_app.extensions.get("pms_openapi")
    if cached is None:
        cached = current_app.extensions["pms_openapi"] = build_spec(current_app)
    return cached
