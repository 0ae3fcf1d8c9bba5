"""JSON API plumbing: the input guards and parsing with schemas, their messages in the user's language.

Input bounds live here once: JSON bodies (size and nesting), path ids (`<int:…>` beyond the
database's integer range is no route: 404); periods and dates (`Period`, `BusinessDate`, `Instant`,
with the years of `core.periods`) are the fields of `core.fields`. Documenting routes and the OpenAPI
document: `core.openapi` (every documented API view authenticates before it reads its body).
"""
from __future__ import annotations

import json
import re
from typing import Any, Optional

from flask import current_app, request
from marshmallow import Schema, ValidationError
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.routing import IntegerConverter

from pms.core.errors import BadRequest, Invalid, TooLarge
from pms.core.i18n import _l, translate
from pms.core.i18n import translate as _

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
        # A multipart part without a name comes back with the key None.
        texts += [t for item in request.form.items(multi=True) for t in item if t is not None]
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


def size_text(limit: int) -> str:
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
    too_large = TooLarge(_("The request body is too large (at most %(size)s).", size=size_text(limit)))
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
