"""The one error type every layer raises; each transport maps it once.

An error carries the HTTP status, a stable machine code and the contract's
human message. REST answers ``{"error": message, "code": code}``; sockets emit
``error {message, code}``.
"""
from __future__ import annotations


class SliceError(Exception):
    status: int = 400
    code: str = "bad_request"
    message: str = "Bad request"

    def __init__(self, message: str | None = None, *, status: int | None = None, code: str | None = None) -> None:
        self.message = message or self.message
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code
        super().__init__(self.message)


class InvalidInput(SliceError):
    status, code = 400, "invalid_input"


class Unauthorized(SliceError):
    status, code, message = 401, "unauthorized", "Login required"


class Forbidden(SliceError):
    status, code, message = 403, "forbidden", "Forbidden"


class NotFound(SliceError):
    status, code, message = 404, "not_found", "Not found"


class Conflict(SliceError):
    status, code = 409, "conflict"


class PaymentRequired(SliceError):
    status, code, message = 402, "insufficient_credits", "Insufficient credits"


class RateLimited(SliceError):
    status, code, message = 429, "rate_limited", "Too many requests"


class Unavailable(SliceError):
    status, code, message = 503, "unavailable", "Service unavailable"
