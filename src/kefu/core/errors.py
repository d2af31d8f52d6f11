"""Domain errors: raised by services, turned into 4xx answers by the API and form errors by pages."""

from __future__ import annotations


def error_location(field: str | None, location: str = "body") -> list:
    """'lines[2].sku' -> ['body', 'lines', 2, 'sku']: the `loc` of an API error, as pydantic writes it."""
    parts = field.replace("[", ".").replace("]", "").split(".") if field else []
    return [location, *(int(part) if part.isdigit() else part for part in parts if part)]


class DomainError(Exception):
    """A business rule refused the request. `field` names the input at fault (dotted path) if any."""

    status = 422
    code = "invalid"
    location = "body"  # where the field lives in an HTTP request: body, query or path

    def __init__(self, message: str, field: str | None = None, code: str | None = None,
                 location: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code
        if location:
            self.location = location

    def as_dict(self) -> dict:
        return {"code": self.code, "field": self.field, "message": self.message}


class InvalidTransition(DomainError):
    status = 409
    code = "invalid_transition"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class NotFound(DomainError):
    status = 404
    code = "not_found"
    location = "path"
