"""JSON API plumbing: parsing with schemas (bounded), documenting routes, the OpenAPI document.

Input bounds live here once: JSON bodies (size and nesting), path ids (`<int:…>` beyond the
database's integer range is no route: 404), periods and dates (`Period`, `BusinessDate`, `Instant`,
with the years of `core.periods`). Every documented API view authenticates before it reads its body.
"""
from __future__ import annotations

import functools
import json
import re
from datetime import datetime, timezone
from typing import Any, Optional

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app, request
from marshmallow import Schema, ValidationError, fields, validate
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.routing import IntegerConverter

from pms.core import periods
from pms.core.auth import current_principal
from pms.core.errors import BadRequest, Invalid, NotAuthenticated, TooLarge
from pms.core.i18n import translate
from pms.core.i18n import translate as _
from pms.core.money import fen_to_yuan_text, parse_yuan

API_PREFIX = "/api/v1"

# Table ids are INTEGER (32-bit on PostgreSQL); a path id above this names no row. Beyond 2^63 the
# SQLite driver cannot even bind it (OverflowError, a 500), so such a path is no route at all: 404.
MAX_ID = 2**31 - 1
# JSON request bodies: a fee plan of a large estate is ~200 KB; anything bigger is a mistake or an
# attack (the app config key MAX_JSON_BYTES overrides it). Nesting deeper than this is refused
# before any schema walks it (the deepest document, a fee plan, nests 4 levels).
DEFAULT_MAX_JSON_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 32


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: ASCII digits, 0..MAX_ID (anything else is a 404, never a 500)."""

    regex = r"[0-9]+"

    def __init__(self, map, fixed_digits: int = 0, min: Optional[int] = None,
                 max: Optional[int] = None, signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min,
                         max=MAX_ID if max is None or max > MAX_ID else max, signed=signed)


def install_input_guards(app) -> None:
    """Install the input guards (the id converter must exist before any route is registered)."""
    # Routes bind their converters when they are added: this must run before the blueprints.
    app.url_map.converters["int"] = IdConverter
    app.before_request(_refuse_nul_characters)
    app.after_request(_allow_header_on_405)


NUL = "\x00"


def _refuse_nul_characters() -> None:
    """400 for a NUL character in the path, the query string or a form: no text of ours holds one,
    and PostgreSQL refuses it in any text parameter (the driver's error was a 500). JSON bodies
    are checked by `load_json`."""
    texts = [request.path, *(t for item in request.args.items(multi=True) for t in item)]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        texts += [t for item in request.form.items(multi=True) for t in item]
    if any(NUL in text for text in texts):
        raise BadRequest(_("The request contains a NUL character."))


def _allow_header_on_405(response):
    """Every 405 says which methods the URL allows (RFC 9110 §15.5.6), also when an error handler
    rendered it."""
    if response.status_code == 405 and "Allow" not in response.headers:
        routing = request.routing_exception
        if isinstance(routing, MethodNotAllowed) and routing.valid_methods:
            response.headers["Allow"] = ", ".join(sorted(routing.valid_methods))
    return response


def max_json_bytes() -> int:
    return int(current_app.config.get("MAX_JSON_BYTES") or DEFAULT_MAX_JSON_BYTES)


def _size_text(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{max(1, limit // 1024)} KB"


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _json_problem(value: Any, limit: int) -> Optional[str]:
    """Why a parsed JSON document is refused: lists/objects nested deeper than `limit`, a NUL
    character, or a lone surrogate ("\\ud800": no UTF-8 text, the database driver fails on it) in a
    string or a key (iterative: the check itself cannot recurse)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            if NUL in node:
                return _("The request contains a NUL character.")
            if not node.isascii():
                try:
                    node.encode("utf-8")
                except UnicodeEncodeError:
                    return _("The body is not valid JSON.")
            continue
        if isinstance(node, dict):
            children = [*node.keys(), *node.values()]
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return _("The JSON is nested too deeply.")
        stack.extend((child, depth + 1) for child in children)
    return None


def load_json() -> Any:
    """The request's JSON body as parsed: 413 above the JSON size limit, 400 when it is not JSON
    (not UTF-8, NaN/Infinity, nested deeper than MAX_JSON_DEPTH, a NUL character)."""
    limit = max_json_bytes()
    too_large = TooLarge(_("The request body is too large (at most %(size)s).", size=_size_text(limit)))
    if request.content_length is not None and request.content_length > limit:
        raise too_large
    # A body without Content-Length (chunked) is read at most one byte past the limit: Werkzeug
    # stops at max_content_length without a word, so one byte more tells a cut body from a whole.
    if request.max_content_length is None or request.max_content_length > limit:
        request.max_content_length = limit + 1
    data = request.get_data(cache=True)
    if len(data) > limit:
        raise too_large
    if not request.is_json and data:
        raise BadRequest(_("The body must be JSON (Content-Type: application/json)."))
    if not data:
        raise BadRequest(_("The body is not valid JSON."))
    try:
        payload = json.loads(data, parse_constant=_refuse_constant)
    except RecursionError:
        raise BadRequest(_("The JSON is nested too deeply.")) from None
    except ValueError:  # also UnicodeDecodeError, and integers of more than 4300 digits
        raise BadRequest(_("The body is not valid JSON.")) from None
    problem = _json_problem(payload, MAX_JSON_DEPTH)
    if problem:
        raise BadRequest(problem)
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


# Query parameters every page and endpoint accepts besides its own (the language switch).
COMMON_ARGS = ("lang",)


def load_args(schema: Schema) -> Any:
    """Parse the query string with `schema` (422 on wrong values)."""
    args = request.args.to_dict()
    for name in COMMON_ARGS:
        if name not in schema.fields:
            args.pop(name, None)
    return load_data(schema, args)


def _flatten(messages, prefix: str = "") -> dict:
    """{'lines': {0: {'code': [...]}}} → {'lines.0.code': [...]}, each message in the user's language."""
    if not isinstance(messages, (list, dict)):  # one message (e.g. a lazy string) not in a list
        messages = [messages]
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


# ---- bounded fields: periods, business dates, instants (bounds: core.periods) ----------------

PERIOD_MESSAGE = _l("Not a period (YYYY-MM).")
_YEARS = f"{periods.MIN_YEAR}–{periods.MAX_YEAR}"


class Period(fields.String):
    """A billing period: ASCII `YYYY-MM`, a year within core.periods' bounds."""

    def __init__(self, **kwargs):
        metadata = {"pattern": periods.PERIOD_PATTERN, "example": "2026-03",
                    "description": f"YYYY-MM, years {_YEARS}", **kwargs.pop("metadata", {})}
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
        metadata = {"description": f"YYYY-MM-DD, years {_YEARS}", **kwargs.pop("metadata", {})}
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
        metadata = {"description": f"ISO 8601 with an offset, years {_YEARS}", **kwargs.pop("metadata", {})}
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
                             f"Periods and dates lie in the years {_YEARS}. JSON bodies: at most "
                             f"{_size_text(int(app.config.get('MAX_JSON_BYTES') or DEFAULT_MAX_JSON_BYTES))}, "
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
