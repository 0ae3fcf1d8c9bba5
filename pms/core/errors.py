"""Typed domain errors and the one JSON error shape of the API."""
from __future__ import annotations

from flask import jsonify


class PmsError(Exception):
    """Base of every error a service raises on purpose; carries its HTTP status."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str = "", fields: dict | None = None):
        super().__init__(message)
        self.message = message or self.default_message()
        self.fields = fields or {}

    def default_message(self) -> str:
        return self.code.replace("_", " ")


class BadRequest(PmsError):
    status, code = 400, "bad_request"


class NotAuthenticated(PmsError):
    status, code = 401, "not_authenticated"


class Forbidden(PmsError):
    status, code = 403, "forbidden"


class NotFound(PmsError):
    status, code = 404, "not_found"


class Conflict(PmsError):
    status, code = 409, "conflict"


class Invalid(PmsError):
    """Input that parsed but breaks a rule; `fields` maps field path → messages."""

    status, code = 422, "invalid"


class TooLarge(PmsError):
    """A request body or an image beyond what the service takes."""

    status, code = 413, "too_large"


class Unavailable(PmsError):
    """The database could not serve the request in time (a lock or a connection); retry soon."""

    status, code = 503, "unavailable"
    retry_after = 1


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    """The contract's error document."""
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def error_response(status: int, code: str, message: str, fields: dict | None = None):
    """A JSON error response in the contract's shape."""
    response = jsonify(error_body(code, message, fields))
    response.status_code = status
    return response
