"""Documenting API routes (`documented`: OpenAPI metadata, authentication first) and the OpenAPI
document built from them."""
from __future__ import annotations

import functools
import re
from typing import Any, Optional

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app
from marshmallow import Schema, fields

from pms.core.api import API_PREFIX, DEFAULT_MAX_JSON_BYTES, MAX_ID, MAX_JSON_DEPTH, size_text
from pms.core.auth import current_principal
from pms.core.errors import NotAuthenticated
from pms.core.fields import YEAR_RANGE
from pms.core.i18n import translate as _

# ---- documenting routes ------------------------------------------------------------------------

def documented(*, summary: str, body: Optional[type[Schema]] = None,
               response: Optional[type[Schema]] = None, status: int = 200,
               many: bool = False, query: Optional[type[Schema]] = None,
               content_type: str = "application/json", public: bool = False, tag: str = "",
               files: Optional[str] = None, also: tuple[int, ...] = (),
               formats: tuple[str, ...] = (), errors: tuple[int, ...] = ()):
    """Attach OpenAPI metadata to an API view (read back by `build_spec`), and authenticate first.

    - `body` / `query`: the schemas the view loads; `files`: the multipart field of file uploads;
    - `status` (and `also`: other success codes with the same body, e.g. 200 for an idempotent
      replay); `formats`: other content types of the success response (exports);
    - `public`: no authentication (the token exchange); otherwise the view answers 401 to an
      anonymous caller before it reads anything — a body is never validated for a stranger;
    - `errors`: error statuses beyond what the declaration implies (see `error_statuses`).
    """

    def decorator(view):
        view._openapi = dict(summary=summary, body=body, response=response, status=status,
                             many=many, query=query, content_type=content_type, public=public,
                             tag=tag, files=files, also=tuple(also), formats=tuple(formats),
                             errors=tuple(errors))

        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if not public and current_principal() is None:
                raise NotAuthenticated(_("Authentication required."))
            return view(*args, **kwargs)

        wrapper._openapi = view._openapi
        return wrapper

    return decorator


ERROR_TEXTS = {
    400: "Malformed request: a NUL character, or a body that is not JSON, too deeply nested or not a form",
    401: "Not authenticated (or, for the token exchange, wrong credentials)",
    403: "Your role may not do this (auditors never write; a cookie-authenticated write needs its CSRF token)",
    404: "Unknown or outside your scope (never which)",
    409: "Conflict with the current state or with data that already exists",
    413: "The request body or an uploaded file is too large",
    422: "Invalid fields (`fields` maps each field to its messages)",
    429: "Too many attempts; try again later",
    503: "The service is busy (a lock or a connection); retry after the Retry-After seconds",
}


def error_statuses(meta: dict, method: str, path_args) -> list[int]:
    """The error statuses an operation can answer, from what it declares:

    400 and 401 always (a NUL character anywhere, a malformed body; anonymous, or wrong credentials
    for the public token exchange); 403 when it is not public or it writes (roles, read-only
    auditors, CSRF); 413 when it reads a body or files; 404 when it names something (path, query
    or body); 409 when it writes (a conflicting state or a constraint); 422 when it validates
    input; 429 when it is public (throttled sign-in); 503 always (the database was too busy); plus
    the operation's own `errors`.
    """
    writes = method.upper() not in ("GET", "HEAD", "OPTIONS")
    reads_body = meta["body"] is not None or bool(meta["files"])
    has_input = reads_body or meta["query"] is not None
    codes = {400, 401, 503, *meta["errors"]}
    if not meta["public"] or writes:
        codes.add(403)
    if reads_body:
        codes.add(413)
    if path_args or has_input:
        codes.add(404)
    if writes:
        codes.add(409)
    if has_input:
        codes.add(422)
    if meta["public"]:
        codes.add(429)
    return sorted(codes)


class ErrorDetailSchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    fields = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class ErrorSchema(Schema):
    error = fields.Nested(ErrorDetailSchema, required=True)


_RULE_ARG = re.compile(r"<(?:([a-z_]+)(?:\([^)]*\))?:)?([a-z_]+)>")


def _openapi_path(rule: str) -> str:
    return _RULE_ARG.sub(r"{\2}", rule)


def _path_parameters(rule) -> list[dict]:
    """Path parameters with the type their converter accepts."""
    params = []
    for converter, name in _RULE_ARG.findall(rule.rule):
        if converter == "int":
            schema = {"type": "integer", "minimum": 0, "maximum": MAX_ID}
        else:  # Werkzeug's default converter: one non-empty path segment
            schema = {"type": "string", "minLength": 1, "pattern": "^[^/]+$"}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    return params


def _success_content(meta: dict) -> Optional[dict]:
    binary = {"schema": {"type": "string", "format": "binary"}}
    content: dict = {}
    if meta["response"] is not None:
        schema: Any = meta["response"]
        if meta["many"]:
            schema = {"type": "array", "items": schema}
        content[meta["content_type"]] = {"schema": schema}
    elif meta["content_type"] != "application/json":
        content[meta["content_type"]] = binary
    for media_type in meta["formats"]:
        content[media_type] = binary
    return content or None


def build_spec(app) -> dict:
    """The OpenAPI 3 document of every documented route under /api/v1."""
    spec = APISpec(
        title="pms API", version="1", openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": "Property management for renovated old estates. "
                             "Money is integer fen (*_fen); periods are YYYY-MM (Asia/Shanghai). "
                             f"Periods and dates lie in the years {YEAR_RANGE}. JSON bodies: at most "
                             f"{size_text(int(app.config.get('MAX_JSON_BYTES') or DEFAULT_MAX_JSON_BYTES))}, "
                             f"nested at most {MAX_JSON_DEPTH} levels."},
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
            params = _path_parameters(rule)
            if meta["query"] is not None:
                params.append({"in": "query", "schema": meta["query"]})
            if params:
                op["parameters"] = params
            if meta["body"] is not None:
                op["requestBody"] = {"required": True,
                                     "content": {"application/json": {"schema": meta["body"]}}}
            elif meta["files"]:
                op["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
                    "type": "object", "required": [meta["files"]],
                    "properties": {meta["files"]: {"type": "array", "minItems": 1,
                                                   "items": {"type": "string", "format": "binary"}}}}}}}
            content = _success_content(meta)
            for status in (meta["status"], *meta["also"]):
                op["responses"][str(status)] = {"description": "OK", **({"content": content} if content else {})}
            for code in error_statuses(meta, method, rule.arguments):
                op["responses"][str(code)] = {"description": ERROR_TEXTS[code], **error_ref}
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
