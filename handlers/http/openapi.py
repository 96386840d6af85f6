"""GET /api/openapi.json: the REST API as an OpenAPI 3.1 document, built here from small pieces.

One module describes every REST route the app registers: auth, status codes, body limits, the
error ``code`` values each status can carry and the rate-limit bucket. ``tests/http/test_openapi.py``
checks the documented routes against the router and real responses against these schemas, so a
route or a field added without its description fails the suite.

Response objects are closed (``additionalProperties: false``): the server sends exactly the
documented fields. Request bodies are open: unknown fields are ignored, as the original does.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from functools import cache
from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Protocol, cast

from aiohttp import web

from handlers.http.meetings import HISTORY_DEFAULT, HISTORY_MAX
from handlers.http.request import API_KEY_MAX, SESSION_COOKIE
from server.accounts import PASSWORD_MAX, PASSWORD_MIN
from server.settings import RateLimits
from store.mongo.api_keys import MAX_ACTIVE_KEYS
from store.rooms.collab import NOTES_MAX
from store.rooms.door import NAME_MAX
from store.rooms.polls import (
    ANSWER_MAX,
    POLL_OPTION_MAX,
    POLL_OPTIONS_MAX,
    POLL_OPTIONS_MIN,
    POLL_QUESTION_MAX,
    POLLS_MAX,
    QUESTION_MAX,
    QUESTIONS_MAX,
)
from store.rooms.settings import MAX_PARTICIPANTS, MIN_PARTICIPANTS, TITLE_MAX

routes = web.RouteTableDef()

Schema = dict[str, Any]
PATH = "/api/openapi.json"
CACHE_CONTROL = "public, max-age=300"

# -- building blocks --------------------------------------------------------------------------


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: Schema) -> Schema:
    if isinstance(schema.get("type"), str):
        return {**schema, "type": [schema["type"], "null"]}
    return {"anyOf": [schema, {"type": "null"}]}


def string(description: str | None = None, **keywords: Any) -> Schema:
    schema: Schema = {"type": "string", **keywords}
    if description:
        schema["description"] = description
    return schema


def boolean(description: str | None = None, **keywords: Any) -> Schema:
    schema: Schema = {"type": "boolean", **keywords}
    if description:
        schema["description"] = description
    return schema


def integer(description: str | None = None, **keywords: Any) -> Schema:
    schema: Schema = {"type": "integer", **keywords}
    if description:
        schema["description"] = description
    return schema


def closed(properties: dict[str, Schema], *, optional: Iterable[str] = (), description: str | None = None) -> Schema:
    """A response object: exactly these properties, all present unless named in ``optional``."""
    skip = set(optional)
    schema: Schema = {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in skip],
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


def fields(properties: dict[str, Schema], *, required: Iterable[str] = (), description: str | None = None) -> Schema:
    """A request body: a JSON object; unknown fields are ignored; ``null`` counts as absent."""
    schema: Schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    if description:
        schema["description"] = description
    return schema


def json_content(schema: Schema, example: Any = None) -> dict[str, Any]:
    media: dict[str, Any] = {"schema": schema}
    if example is not None:
        media["example"] = example
    return {"application/json": media}


def answer(description: str, schema: Schema, *, headers: dict[str, Any] | None = None, example: Any = None) -> Schema:
    response: Schema = {"description": description, "content": json_content(schema, example)}
    if headers:
        response["headers"] = headers
    return response


def error(description: str, *codes: str) -> Schema:
    """An error response: the shared Error shape, ``code`` limited to the values this status can carry."""
    schema: Schema = {"$ref": "#/components/schemas/Error"}
    if codes:
        schema = {"allOf": [schema], "properties": {"code": {"enum": list(codes)}}}
    return {"description": description, "content": json_content(schema)}


# -- security -----------------------------------------------------------------------------------

Security = list[dict[str, list[str]]]
PUBLIC: Security = []
SESSION: Security = [{"sessionCookie": []}]
KEY_OR_SESSION: Security = [{"apiKey": []}, {"sessionCookie": []}]
# Meeting reads: a key or a session, and (for someone else's meeting) the meeting's admin token.
KEY_OR_SESSION_OR_ADMIN: Security = [*KEY_OR_SESSION, {"apiKey": [], "adminToken": []}, {"sessionCookie": [], "adminToken": []}]
# Host controls: the admin token authorises; an x-api-key, if sent, must be valid.
HOST: Security = [{"adminToken": []}, {"adminToken": [], "apiKey": []}]
# Polls, questions, notes: the meeting's tenant (key or session), or the meeting's admin token.
MEMBER: Security = [*KEY_OR_SESSION, {"adminToken": []}, {"adminToken": [], "apiKey": []}]

SECURITY_SCHEMES = {
    "apiKey": {
        "type": "apiKey", "in": "header", "name": "x-api-key",
        "description": f"An account API key (`mk_` + 24 hex digits; longer than {API_KEY_MAX} characters is "
                       "refused). Returned by register and by `POST /api/user/keys`. When sent, it wins over "
                       "a session cookie, and an invalid one is a 401 even with a valid session.",
    },
    "adminToken": {
        "type": "apiKey", "in": "header", "name": "x-admin-token",
        "description": "A meeting's host token (a UUID), returned once when the meeting is created. "
                       "Authorises the host controls of that meeting.",
    },
    "sessionCookie": {
        "type": "apiKey", "in": "cookie", "name": SESSION_COOKIE,
        "description": "The dashboard session, set by register and login (HttpOnly, SameSite=Lax, 7 days; "
                       "Secure in production). A new value is issued at every login.",
    },
}

# -- rate limits --------------------------------------------------------------------------------

DEFAULT_LIMITS = RateLimits()
BUCKETS = {
    "auth": ("RATE_LIMIT_AUTH", DEFAULT_LIMITS.auth, "register and login share it"),
    "reset": ("RATE_LIMIT_RESET", DEFAULT_LIMITS.reset, "forgot-password and both reset-password routes share it"),
    "api": ("RATE_LIMIT_API", DEFAULT_LIMITS.api,
            "every /api/ route except /api/auth/*, /api/config*, and this document"),
    "guest": ("RATE_LIMIT_GUEST", DEFAULT_LIMITS.guest, "guest meeting creation (which also counts in `api`)"),
}
RATE_HEADER_NAMES = (
    "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy",
    "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset",
)
HEADERS: dict[str, Schema] = {
    "RateLimit-Limit": {"description": "Requests allowed in the window.", "schema": integer()},
    "RateLimit-Remaining": {"description": "Requests left in the window.", "schema": integer(minimum=0)},
    "RateLimit-Reset": {"description": "Seconds until the window resets.", "schema": integer(minimum=0)},
    "RateLimit-Policy": {"description": "`<limit>;w=<window seconds>`", "schema": string(pattern=r"^\d+;w=\d+$")},
    "X-RateLimit-Limit": {"description": "Same as `RateLimit-Limit`.", "schema": integer()},
    "X-RateLimit-Remaining": {"description": "Same as `RateLimit-Remaining`.", "schema": integer(minimum=0)},
    "X-RateLimit-Reset": {"description": "End of the window, as a Unix time in seconds.", "schema": integer()},
    "Retry-After": {"description": "Seconds to wait before retrying.", "schema": integer(minimum=0)},
    "SetSession": {"description": f"`{SESSION_COOKIE}=<session id>; HttpOnly; Path=/; SameSite=Lax; Max-Age=604800`",
                   "schema": string()},
    "ClearSession": {"description": f"Expires the `{SESSION_COOKIE}` cookie.", "schema": string()},
}
for _header in HEADERS.values():
    _header["required"] = True  # wherever a response lists one of these headers, it is always sent


def header_refs(*names: str) -> dict[str, Any]:
    return {name: {"$ref": f"#/components/headers/{name}"} for name in names}


def set_cookie(kind: str) -> dict[str, Any]:
    """``Set-Cookie`` with the ``SetSession`` or ``ClearSession`` description."""
    return {"Set-Cookie": {"$ref": f"#/components/headers/{kind}"}}


def limit_note(bucket: str) -> str:
    env, default, scope = BUCKETS[bucket]
    return (f"\n\nRate limit: bucket `{bucket}`, {default} per client IP by default (`{env}`); {scope}. "
            "Every response, errors included, carries the RateLimit headers; past the limit the answer is 429 "
            "with `Retry-After`.")


# -- shared schemas ---------------------------------------------------------------------------

ISO_MS = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"
SCHEMAS: dict[str, Schema] = {
    "Error": closed({
        "error": string("Human-readable message (the onepizza texts)."),
        "code": string("Stable machine-readable code."),
    }, description="Every REST error: `{error, code}`."),
    "Timestamp": string("ISO 8601 UTC with milliseconds.", format="date-time", pattern=ISO_MS,
                        examples=["2026-03-01T12:00:00.000Z"]),
    "EpochMillis": integer("Unix time in milliseconds.", minimum=0, examples=[1710000000000]),
    "Usd": string("US dollars, four decimal places.", pattern=r"^-?\d+\.\d{4}$", examples=["25.0000"]),
    "MeetingId": string("`xxx-xxxx-xxx`, lowercase hex.", pattern=r"^[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{3}$",
                        examples=["abc-defg-hij"]),
    "AdminToken": string("The meeting's host token. Shown once; only its hash is stored.", format="uuid"),
    "JoinUrl": string("Relative URL of the meeting's join page.", pattern=r"^/join/",
                      examples=["/join/abc-defg-hij"]),
    "Message": closed({"message": string()}),
    # health and config
    "Health": closed({
        "status": string(const="ok"), "uptime": {"type": "number", "minimum": 0, "description": "Seconds."},
        "timestamp": ref("Timestamp"), "meetings": integer("Live meetings in this process.", minimum=0),
        "db": string(const="connected"),
    }),
    "HealthDown": closed({
        "status": string(const="error"), "error": string(const="Database unavailable"),
        "db": string(const="unavailable"),
    }),
    "Liveness": closed({"status": string(const="ok"), "alive": boolean(const=True)}),
    "Readiness": closed({"status": string(const="ok"), "db": string(const="connected"), "ready": boolean(const=True)}),
    "ReadinessDown": closed({
        "status": string(const="error"), "db": string(const="unavailable"), "ready": boolean(const=False),
    }),
    "ClientConfig": closed({
        "recordingEnabled": boolean(), "screenShareEnabled": boolean(), "blurEnabled": boolean(),
        "registrationEnabled": boolean(),
        "guestMeetingsEnabled": boolean("Slice only: `POST /api/meetings/guest` is open (admin setting)."),
        "cardPaymentsEnabled": boolean("Slice only: Stripe top-ups are configured (`STRIPE_SECRET_KEY`)."),
        "usdcDepositsEnabled": boolean("Slice only: USDC deposit addresses are configured (`CRYPTO_MNEMONIC`)."),
    }),
    "IceServer": closed({
        "urls": {"oneOf": [string(), {"type": "array", "items": string()}]},
        "username": string(), "credential": string(),
    }, optional=("username", "credential")),
    "IceServers": closed({"iceServers": {"type": "array", "items": ref("IceServer")}}),
    # accounts
    "Registered": closed({
        "message": string(const="Account created"), "email": string(format="email"),
        "apiKey": ref("RawApiKey"),
        "inviteCode": nullable(string("The company's invite code (company accounts); null for personal ones.")),
        "accountType": ref("AccountType"),
    }),
    "AccountType": string(enum=["personal", "company"]),
    "LoggedIn": closed({"message": string(const="Logged in"), "isAdmin": boolean("Site administrator.")}),
    "Profile": closed({
        "id": integer(), "email": string(format="email"), "accountType": ref("AccountType"),
        "balance": {**ref("Usd"), "description": "The company's balance for a company member, else the user's."},
        "company_id": nullable(integer()), "is_admin": boolean(), "created_at": ref("Timestamp"),
        "account_type": ref("AccountType"),
        "credits_usd": {**ref("Usd"), "description": "The user's own balance."},
        "company_name": nullable(string()), "company_credits": nullable(ref("Usd")),
        "invite_code": nullable(string("Only for the company's owner.")), "plan": string(),
    }, description="The document's fields, then the original server's."),
    "ResetTokenValid": closed({"valid": boolean(const=True)}),
    # API keys
    "RawApiKey": string("A full API key, shown only when created.", pattern=r"^mk_[0-9a-f]{24}$"),
    "ApiKey": closed({
        "id": integer(), "key": string("Masked: `mk_` + first 4 … last 4.", pattern="^mk_[0-9a-f]{4}…[0-9a-f]{4}$"),
        "label": string(), "is_active": boolean("False once revoked."), "created_at": ref("Timestamp"),
        "last_used_at": nullable(ref("Timestamp")),
    }),
    "ApiKeyList": closed({"keys": {"type": "array", "items": ref("ApiKey"), "description": "Newest first."}}),
    "CreatedApiKey": closed({"id": integer(), "key": ref("RawApiKey"), "label": string(), "created_at": ref("Timestamp")}),
    # meetings
    "MeetingStatus": string(enum=["active", "scheduled"]),
    "MeetingSettings": closed({
        "muteOnJoin": boolean(), "videoOffOnJoin": boolean(),
        "maxParticipants": integer(minimum=MIN_PARTICIPANTS, maximum=MAX_PARTICIPANTS),
        "locked": boolean(), "waitingRoom": boolean(),
        "mediaMode": string("`mesh`: browsers connect to each other; `sfu`: through the server's relay.",
                            enum=["mesh", "sfu"]),
    }),
    "GuestMeetingCreated": closed({
        "meetingId": ref("MeetingId"), "adminToken": ref("AdminToken"), "joinUrl": ref("JoinUrl"), "title": string(),
    }),
    "MeetingCreated": closed({
        "meetingId": ref("MeetingId"), "adminToken": ref("AdminToken"), "joinUrl": ref("JoinUrl"), "title": string(),
        "scheduledAt": {**ref("Timestamp"), "description": "Only for a scheduled meeting."},
        "status": ref("MeetingStatus"), "settings": ref("MeetingSettings"),
    }, optional=("scheduledAt",)),
    "MeetingSummary": closed({
        "meetingId": ref("MeetingId"), "title": string(), "status": ref("MeetingStatus"),
        "createdAt": ref("EpochMillis"),
        "scheduledAt": {**ref("Timestamp"), "description": "Only for a scheduled meeting."},
        "participantCount": integer(minimum=0),
    }, optional=("scheduledAt",)),
    "MeetingList": closed({"meetings": {"type": "array", "items": ref("MeetingSummary")}}),
    "ScheduledMeeting": closed({
        "meetingId": ref("MeetingId"), "title": string(), "scheduledAt": ref("Timestamp"),
        "status": string(const="scheduled"), "createdAt": ref("EpochMillis"),
    }),
    "ScheduledMeetingList": closed({"meetings": {"type": "array", "items": ref("ScheduledMeeting")}}),
    "Participant": closed({
        "participantId": string(), "name": string(), "isMuted": boolean(), "isVideoOff": boolean(),
        "isScreenSharing": boolean(), "joinedAt": ref("EpochMillis"),
    }),
    "MeetingDetail": {"oneOf": [
        closed({
            "meetingId": ref("MeetingId"), "title": string(), "createdAt": ref("EpochMillis"),
            "status": string(const="active"), "participantCount": integer(minimum=0),
            "participants": {"type": "array", "items": ref("Participant")}, "settings": ref("MeetingSettings"),
        }, description="An active meeting."),
        closed({
            "meetingId": ref("MeetingId"), "title": string(), "createdAt": ref("EpochMillis"),
            "scheduledAt": ref("Timestamp"), "status": string(const="scheduled"), "settings": ref("MeetingSettings"),
        }, description="A scheduled meeting (no participants yet)."),
    ]},
    "HistoryEntry": closed({
        "id": integer(), "meeting_id": ref("MeetingId"), "title": string(), "started_at": ref("Timestamp"),
        "ended_at": nullable(ref("Timestamp")),
        "duration_minutes": nullable(string("Minutes, two decimals; null while running.", pattern=r"^\d+\.\d{2}$")),
        "peak_participants": integer(minimum=0), "cost_usd": ref("Usd"),
    }),
    "History": closed({"meetings": {"type": "array", "items": ref("HistoryEntry"),
                                    "description": "Newest first, at most 50."}}),
    "SettingsUpdated": closed({"settings": ref("MeetingSettings"), "title": string()}),
    "LockState": closed({"locked": boolean()}),
    "Invite": closed({
        "joinUrl": string("`/join/<id>?invite=<token>&name=<name>`", examples=["/join/abc-defg-hij?invite=x1y2z3&name=Bob"]),
        "inviteToken": string("One use; expires after 7 days.", pattern=r"^[0-9a-f]{32}$"),
    }),
    # polls, questions, notes, attendance (contract §3.7)
    "PollOption": closed({"id": string("`opt_0` … `opt_9`.", pattern=r"^opt_\d$"), "text": string()}),
    "PollResult": closed({"id": string(pattern=r"^opt_\d$"), "text": string(), "count": integer(minimum=0)}),
    "PollCreated": closed({
        "pollId": string(format="uuid"), "question": string(),
        "options": {"type": "array", "items": ref("PollOption"), "minItems": 2, "maxItems": 10},
    }),
    "PollResults": closed({
        "pollId": string(format="uuid"), "results": {"type": "array", "items": ref("PollResult")},
        "totalVotes": integer("Voters (one vote each).", minimum=0),
    }),
    "Poll": closed({
        "id": string(format="uuid"), "question": string(), "options": {"type": "array", "items": ref("PollOption")},
        "isActive": boolean("False once ended."), "totalVotes": integer(minimum=0),
        "results": {"type": "array", "items": ref("PollResult")},
    }),
    "PollList": closed({"polls": {"type": "array", "items": ref("Poll"), "description": "Oldest first."}}),
    "Voted": closed({"voted": boolean(const=True)}),
    "QuestionCreated": closed({"questionId": string(format="uuid")}),
    "AskedBy": closed({"participantId": string(), "name": string()}, optional=("participantId",),
                      description="`{participantId, name}` when asked from a seat; `{name}` when asked over REST."),
    "Question": closed({
        "id": string(format="uuid"), "text": string(), "askedBy": ref("AskedBy"), "upvoteCount": integer(minimum=0),
        "isAnswered": boolean(), "answer": nullable(string()), "answeredBy": nullable(string()),
        "createdAt": ref("EpochMillis"),
    }),
    "QuestionList": closed({"questions": {"type": "array", "items": ref("Question"),
                                          "description": "Not dismissed; most upvoted first."}}),
    "UpvoteCount": closed({"upvoteCount": integer(minimum=0)}),
    "Answered": closed({"answered": boolean(const=True)}),
    "Dismissed": closed({"dismissed": boolean(const=True)}),
    "Notes": closed({
        "content": string(maxLength=NOTES_MAX), "lastUpdatedBy": string("`Host` from REST, the host's name from "
                                                                        "a socket; \"\" before the first edit."),
        "lastUpdatedAt": nullable(ref("EpochMillis")),
    }),
    "NotesSaved": closed({"updated": boolean(const=True)}),
    "AttendanceEntry": closed({
        "participantId": string(), "name": string(), "joinedAt": ref("Timestamp"),
        "leftAt": nullable(ref("Timestamp")),
        "durationSeconds": integer("To the leave time, or to now while still in the meeting.", minimum=0),
    }),
    "Attendance": closed({
        "attendance": {"type": "array", "items": ref("AttendanceEntry"),
                       "description": "One entry per stay (a re-join is a new entry), in joining order."},
        "meetingId": ref("MeetingId"), "title": string(),
    }),
}

# -- request bodies -----------------------------------------------------------------------------

BODY_CODES = ("invalid_json", "invalid_type", "invalid_text")
VOTER_NOTE = ("Vote as this participant if it is in the meeting; otherwise the vote is the API user's "
              "(or, with the host token alone, the host's).")
BODIES: dict[str, Schema] = {
    "Register": fields({
        "email": string("Unique; at most 255 characters; stored lower-cased.", format="email", maxLength=255),
        "password": string(minLength=PASSWORD_MIN, maxLength=PASSWORD_MAX),
        "accountType": {"description": "`company` makes a company account; anything else a personal one.",
                        "enum": ["personal", "company"], "default": "personal"},
        "companyName": string("Required when accountType is `company`; trimmed.", maxLength=100),
    }, required=("email", "password")),
    "Login": fields({"email": string(maxLength=1024), "password": string(maxLength=1024)},
                    required=("email", "password")),
    "ForgotPassword": fields({"email": string(maxLength=1024)}, required=("email",)),
    "ResetPassword": fields({
        "token": string("The token from the reset link.", maxLength=128),
        "password": string("The new password (the document's name).", minLength=PASSWORD_MIN, maxLength=PASSWORD_MAX),
        "newPassword": string("The new password (the original's name); wins over `password`.",
                              minLength=PASSWORD_MIN, maxLength=PASSWORD_MAX),
    }, required=("token",), description="`token` and one of `password` / `newPassword`."),
    "ChangePassword": fields({
        "currentPassword": string(maxLength=1024),
        "newPassword": string(minLength=PASSWORD_MIN, maxLength=PASSWORD_MAX),
    }, required=("currentPassword", "newPassword")),
    "CreateApiKey": fields({
        "label": string("Trimmed and cut to 100 characters; blank means `My API Key`.", maxLength=1000),
    }),
    "GuestMeeting": fields({
        "title": string(f"Trimmed and cut to {TITLE_MAX} characters; blank means `Untitled Meeting`.", maxLength=10_000),
    }),
    "CreateMeeting": fields({
        "title": string(f"Trimmed and cut to {TITLE_MAX} characters; blank means `Untitled Meeting`.", maxLength=10_000),
        "scheduledAt": {
            "description": "When to start: ISO 8601 (a time without zone is UTC; at most 64 characters) or Unix "
                           "milliseconds; must be in the future. Absent, null, \"\" or false: start now.",
            "oneOf": [string(maxLength=64), {"type": "number"}, {"type": "null"}, boolean(const=False)],
        },
        "muteOnJoin": boolean(default=False), "videoOffOnJoin": boolean(default=False),
        "maxParticipants": {
            "description": f"Clamped to {MIN_PARTICIPANTS}..{MAX_PARTICIPANTS}; default from the site setting "
                           "(50). A numeric string is accepted.",
            "oneOf": [integer(), string(pattern=r"^\s*-?\d+\s*$")],
        },
        "waitingRoom": boolean(default=False),
        "mediaMode": string(enum=["mesh", "sfu"], default="mesh"),
    }),
    "SettingsPatch": fields({
        "title": string(f"Non-blank; trimmed and cut to {TITLE_MAX} characters."),
        "muteOnJoin": boolean(), "videoOffOnJoin": boolean(), "locked": boolean(),
        "waitingRoom": boolean("Turning it off admits everyone waiting."),
        "maxParticipants": integer(f"Clamped to {MIN_PARTICIPANTS}..{MAX_PARTICIPANTS}."),
        "mediaMode": string(enum=["mesh", "sfu"]),
    }, description="Any subset; a bad value (`null` included) is a 400 and changes nothing."),
    "Invite": fields({"name": string("Pre-fills the join page; trimmed and cut to 60 characters.", maxLength=1000)}),
    "Kick": fields({"reason": string("Shown to the removed participant; trimmed and cut to 200 characters.",
                                     maxLength=10_000)}),
    "CreatePoll": fields({
        "question": string(f"Non-blank; trimmed and cut to {POLL_QUESTION_MAX} characters."),
        "options": {"type": "array", "minItems": POLL_OPTIONS_MIN, "maxItems": POLL_OPTIONS_MAX,
                    "items": string(f"Non-blank; trimmed and cut to {POLL_OPTION_MAX} characters.")},
    }, required=("question", "options")),
    "Vote": fields({
        "optionId": string("`opt_0` … `opt_9`."),
        "participantId": string(VOTER_NOTE),
    }, required=("optionId",)),
    "AskQuestion": fields({
        "text": string(f"Non-blank; trimmed and cut to {QUESTION_MAX} characters."),
        "participantName": string(f"Shown as `askedBy.name`; trimmed and cut to {NAME_MAX}; default `Anonymous`."),
    }, required=("text",)),
    "Upvote": fields({"participantId": string(VOTER_NOTE)}),
    "AnswerQuestion": fields({
        "answer": string(f"Trimmed and cut to {ANSWER_MAX} characters; may be left out."),
        "answeredBy": string(f"Trimmed and cut to {NAME_MAX}; default `Host`."),
    }),
    "Notes": fields({"content": string(f"Replaces the notes; cut to {NOTES_MAX} characters.")},
                    required=("content",)),
}


def body(name: str, *, required: bool = False, example: Any = None) -> Schema:
    return {"required": required, "content": json_content(ref(f"{name}Request"), example)}


# -- parameters ---------------------------------------------------------------------------------

PARAMETERS: dict[str, Schema] = {
    "MeetingId": {"name": "meetingId", "in": "path", "required": True, "schema": string(),
                  "description": "The meeting id (`xxx-xxxx-xxx`). Unknown, ended or another tenant's: 404."},
    "ParticipantId": {"name": "participantId", "in": "path", "required": True, "schema": string(),
                      "description": "From `joined` / `participant:joined` or `GET /api/meetings/{meetingId}`."},
    "KeyId": {"name": "keyId", "in": "path", "required": True, "schema": integer(minimum=0),
              "description": "The key's `id`. Anything but an id of the caller's own key: 404."},
    "PollId": {"name": "pollId", "in": "path", "required": True, "schema": string(),
               "description": "From `POST …/polls`, `poll:created` or `GET …/polls`."},
    "QuestionId": {"name": "questionId", "in": "path", "required": True, "schema": string(),
                   "description": "From `POST …/questions`, `qa:new` or `GET …/questions`."},
    "ResetToken": {"name": "token", "in": "query", "required": True, "schema": string(maxLength=128),
                   "description": "The token from the reset link (valid for one hour)."},
}


def param(name: str) -> Schema:
    return {"$ref": f"#/components/parameters/{name}"}


MEETING = [param("MeetingId")]
PARTICIPANT = [param("MeetingId"), param("ParticipantId")]
POLL = [param("MeetingId"), param("PollId")]
QUESTION = [param("MeetingId"), param("QuestionId")]

# -- operations -----------------------------------------------------------------------------------


RESPONSES: dict[str, Schema] = {
    "BodyTooLarge": error("Body over the size limit (1 MiB).", "request_entity_too_large"),
    "RateLimited": {**error("Rate limit exceeded.", "rate_limited"),
                    "headers": header_refs(*RATE_HEADER_NAMES, "Retry-After")},
    "DatabaseUnavailable": {**error("The database is unreachable; try again later.", "database_unavailable"),
                            "headers": header_refs("Retry-After")},
    "InternalError": error("Unexpected server error (logged).", "internal"),
}


def shared(name: str) -> Schema:
    return {"$ref": f"#/components/responses/{name}"}


def operation(
    summary: str, description: str, *, tag: str, security: Security,
    responses: dict[str, Schema], request: Schema | None = None, parameters: Iterable[Schema] = (),
    bucket: str | None = None, database: bool = True,
) -> Schema:
    """One operation plus the responses routes share (``components/responses``): 413 when it reads a body,
    503 when it needs the database, 500 always; when rate-limited, 429 and the RateLimit headers on its
    success answers (error answers carry them too; listed once, in the description)."""
    answers = dict(responses)
    if bucket is not None:
        description += limit_note(bucket)
        limited = header_refs(*RATE_HEADER_NAMES)
        for status, one in answers.items():
            if status.startswith("2"):
                answers[status] = {**one, "headers": {**one.get("headers", {}), **limited}}
        answers["429"] = shared("RateLimited")
    if request is not None:
        answers["413"] = shared("BodyTooLarge")
    if database:
        answers["503"] = shared("DatabaseUnavailable")
    answers["500"] = shared("InternalError")
    op: Schema = {"tags": [tag], "summary": summary, "description": description, "security": security}
    if parameters:
        op["parameters"] = list(parameters)
    if request is not None:
        op["requestBody"] = request
    op["responses"] = dict(sorted(answers.items()))
    if bucket is not None:
        op["x-rate-limit-bucket"] = bucket
    return op


NO_KEY = error("Missing or invalid `x-api-key`, and no session.", "invalid_api_key")
LOGIN = error("No valid session cookie.", "login_required")
HOST_ERRORS: dict[str, Schema] = {
    "401": error("An `x-api-key` was sent and is invalid.", "invalid_api_key"),
    "403": error("Missing or wrong `x-admin-token`.", "admin_token_invalid"),
    "404": error("No such active meeting (scheduled meetings have no host controls yet).", "meeting_not_found"),
}
PARTICIPANT_404 = error("No such active meeting, or no such participant in it.", "meeting_not_found",
                        "participant_not_found")

HOST_NOTE = ("The `x-admin-token` authorises; an `x-api-key` may be sent too (the onepizza document asks for both) "
             "and must then be valid.")


def host_operation(summary: str, description: str, responses: dict[str, Schema], **options: Any) -> Schema:
    options.setdefault("parameters", MEETING)
    return operation(summary, f"{description}\n\n{HOST_NOTE}", tag="host controls", security=HOST,
                     responses={**HOST_ERRORS, **responses}, bucket="api", **options)


def health_paths() -> dict[str, Schema]:
    return {
        "/health": {"get": operation(
            "Health", "Process and database health, for load balancers and monitors. Not rate-limited.",
            tag="health", security=PUBLIC, database=False, responses={
                "200": answer("Healthy.", ref("Health")),
                "503": answer("The database does not answer (this body has no `code`).", ref("HealthDown")),
            })},
        "/health/liveness": {"get": operation(
            "Liveness", "The process answers. Never touches the database.", tag="health", security=PUBLIC,
            database=False, responses={"200": answer("Alive.", ref("Liveness"))})},
        "/health/readiness": {"get": operation(
            "Readiness", "Ready to serve: the database answers.", tag="health", security=PUBLIC, database=False,
            responses={"200": answer("Ready.", ref("Readiness")),
                       "503": answer("The database does not answer (this body has no `code`).", ref("ReadinessDown"))})},
        "/api/config": {"get": operation(
            "Client configuration", "Feature switches the web client reads at start (site settings).",
            tag="config", security=PUBLIC, responses={"200": answer("The switches.", ref("ClientConfig"))})},
        "/api/config/ice-servers": {"get": operation(
            "ICE servers", "STUN servers, plus TURN from `TURN_URLS` / `TURN_USERNAME` / `TURN_CREDENTIAL`.",
            tag="config", security=PUBLIC, database=False,
            responses={"200": answer("The ICE server list for RTCPeerConnection.", ref("IceServers"))})},
        PATH: {"get": operation(
            "This document", "The REST API as OpenAPI 3.1. Public, not rate-limited, cacheable "
            f"(`Cache-Control: {CACHE_CONTROL}` and a weak `ETag`; `If-None-Match` gives 304).",
            tag="docs", security=PUBLIC, database=False,
            responses={"200": {"description": "The OpenAPI document.",
                               "content": {"application/json": {"schema": {"type": "object"}}}},
                       "304": {"description": "Unchanged since the `ETag` sent in `If-None-Match`."}})},
    }


def auth_paths() -> dict[str, Schema]:
    session = set_cookie("SetSession")
    return {
        "/api/auth/register": {"post": operation(
            "Register", "Create an account and its first API key (`Default Key`), log it in, and grant the "
            "sign-up credit. A company account also gets a company and its invite code.",
            tag="auth", security=PUBLIC, bucket="auth", request=body("Register", required=True, example={
                "email": "you@example.com", "password": "secret123"}),
            responses={
                "200": answer("Created and logged in (200, as the original; not 201).", ref("Registered"),
                              headers=session),
                "400": error("Invalid input.", *BODY_CODES, "missing_fields", "invalid_email", "password_too_short",
                             "password_too_long", "company_name_required", "company_name_too_long"),
                "403": error("Registration is switched off by the site admin.", "registration_disabled"),
                "409": error("The email is already registered.", "email_taken"),
            })},
        "/api/auth/login": {"post": operation(
            "Log in", "Start a session (a new `connect.sid`; the old session, if sent, ends).",
            tag="auth", security=PUBLIC, bucket="auth", request=body("Login", required=True),
            responses={
                "200": answer("Logged in.", ref("LoggedIn"), headers=session),
                "400": error("Invalid input.", *BODY_CODES, "too_long", "missing_fields"),
                "401": error("Wrong email or password.", "invalid_credentials"),
                "403": error("The account is disabled (told only after the right password).", "account_disabled"),
            })},
        "/api/auth/logout": {"post": operation(
            "Log out", "End the current session, if any, and clear the cookie. Always 200.",
            tag="auth", security=PUBLIC,
            responses={"200": answer("Logged out.", ref("Message"), headers=set_cookie("ClearSession"),
                                     example={"message": "Logged out"})})},
        "/api/auth/me": {"get": operation(
            "Current user", "The logged-in user's profile.", tag="auth", security=SESSION,
            responses={
                "200": answer("The profile.", ref("Profile")),
                "401": LOGIN,
                "404": error("The account was deleted meanwhile.", "user_not_found"),
            })},
        "/api/auth/forgot-password": {"post": operation(
            "Request a password reset", "Mail a reset link (valid one hour) if the address belongs to an active "
            "account. The answer is the same either way.", tag="auth", security=PUBLIC, bucket="reset",
            request=body("ForgotPassword", required=True),
            responses={
                "200": answer("Accepted.", ref("Message")),
                "400": error("Invalid input.", *BODY_CODES, "too_long", "missing_fields"),
            })},
        "/api/auth/reset-password": {
            "get": operation(
                "Check a reset token", "Whether the token from a reset link is still valid.", tag="auth",
                security=PUBLIC, bucket="reset", parameters=[param("ResetToken")],
                responses={
                    "200": answer("Valid.", ref("ResetTokenValid")),
                    "400": error("No token, or an unknown, used or expired one.", "missing_fields", "reset_invalid"),
                }),
            "post": operation(
                "Reset the password", "Set a new password with a reset token. Ends every session of the account.",
                tag="auth", security=PUBLIC, bucket="reset", request=body("ResetPassword", required=True),
                responses={
                    "200": answer("Updated.", ref("Message")),
                    "400": error("Invalid input or token.", *BODY_CODES, "too_long", "missing_fields",
                                 "password_too_short", "password_too_long", "reset_invalid"),
                }),
        },
        "/api/auth/change-password": {"post": operation(
            "Change the password", "Needs the current password. Ends every other session and mails a notice. "
            "Counts against the login limit (it checks a password).", tag="auth", security=SESSION, bucket="auth",
            request=body("ChangePassword", required=True),
            responses={
                "200": answer("Changed.", ref("Message")),
                "400": error("Invalid input.", *BODY_CODES, "too_long", "missing_fields", "password_too_short",
                             "password_too_long"),
                "401": error("No session, or the current password is wrong.", "login_required", "wrong_password"),
                "404": error("The account was deleted meanwhile.", "user_not_found"),
            })},
    }


def key_paths() -> dict[str, Schema]:
    return {
        "/api/user/keys": {
            "get": operation(
                "List API keys", "The caller's keys, masked, newest first; revoked ones included.",
                tag="api keys", security=SESSION, bucket="api",
                responses={"200": answer("The keys.", ref("ApiKeyList")), "401": LOGIN}),
            "post": operation(
                "Create an API key", f"At most {MAX_ACTIVE_KEYS} active keys per account. The full key is in this "
                "answer only.", tag="api keys", security=SESSION, bucket="api", request=body("CreateApiKey"),
                responses={
                    "201": answer("Created.", ref("CreatedApiKey")),
                    "400": error("Invalid label, or already at the limit of active keys.", *BODY_CODES, "too_long",
                                 "key_limit"),
                    "401": LOGIN,
                }),
        },
        "/api/user/keys/{keyId}": {"delete": operation(
            "Revoke an API key", "The key stops working at once (kept in the list as inactive). Revoking a "
            "revoked key is a 200 too.", tag="api keys", security=SESSION, bucket="api", parameters=[param("KeyId")],
            responses={
                "200": answer("Revoked.", ref("Message"), example={"message": "API key revoked"}),
                "401": LOGIN,
                "404": error("Not one of the caller's keys.", "key_not_found"),
            })},
    }


def meeting_paths() -> dict[str, Schema]:
    bad_text = (*BODY_CODES, "too_long")
    return {
        "/api/meetings/guest": {"post": operation(
            "Create a guest meeting", "No account needed. In memory only: no billing, no persistence.",
            tag="meetings", security=PUBLIC, bucket="guest", request=body("GuestMeeting"),
            responses={
                "201": answer("Created.", ref("GuestMeetingCreated")),
                "400": error("Invalid title.", *bad_text),
                "403": error("The site admin switched guest meetings off.", "guest_meetings_disabled"),
            })},
        "/api/meetings": {
            "post": operation(
                "Create a meeting", "Instant, or scheduled with `scheduledAt`. Needs a positive balance; the "
                "charge is made when the meeting ends (duration × peak participants × rate).",
                tag="meetings", security=KEY_OR_SESSION, bucket="api", request=body("CreateMeeting", example={
                    "title": "Team Standup"}),
                responses={
                    "201": answer("Created.", ref("MeetingCreated")),
                    "400": error("Invalid input (`scheduledAt` unparseable or not in the future, a setting of the "
                                 "wrong type).", *bad_text, "invalid_date", "validation_error"),
                    "401": NO_KEY,
                    "402": error("The balance is zero or below.", "insufficient_credits"),
                }),
            "get": operation(
                "List meetings", "The caller's (or their company's) active and scheduled meetings, oldest first.",
                tag="meetings", security=KEY_OR_SESSION, bucket="api",
                responses={"200": answer("The meetings.", ref("MeetingList")), "401": NO_KEY}),
        },
        "/api/meetings/scheduled/list": {"get": operation(
            "List scheduled meetings", "The caller's (or their company's) meetings that have not started yet.",
            tag="meetings", security=KEY_OR_SESSION, bucket="api",
            responses={"200": answer("The meetings.", ref("ScheduledMeetingList")), "401": NO_KEY})},
        "/api/meetings/history": {"get": operation(
            "Meeting history", "Usage per meeting (duration, peak participants, cost) for the caller's company, or "
            f"their personal meetings, newest first: {HISTORY_DEFAULT} rows unless `limit` says otherwise; pass the "
            "last row's `id` as `before` for the next page.", tag="meetings", security=KEY_OR_SESSION, bucket="api",
            parameters=[
                {"name": "limit", "in": "query", "required": False,
                 "schema": integer(minimum=1, maximum=HISTORY_MAX, default=HISTORY_DEFAULT)},
                {"name": "before", "in": "query", "required": False, "schema": integer(minimum=1),
                 "description": "The `id` of the previous page's last row."},
            ],
            responses={"200": answer("The history.", ref("History")), "401": NO_KEY,
                       "400": error("`limit` or `before` is not a whole number in range.", "invalid_limit",
                                    "invalid_before")})},
        "/api/meetings/{meetingId}": {
            "get": operation(
                "Get a meeting", "Details and live participants. Visible to its owner (or their company), or "
                "with the meeting's `x-admin-token`; anyone else gets 404.",
                tag="meetings", security=KEY_OR_SESSION_OR_ADMIN, bucket="api", parameters=MEETING,
                responses={
                    "200": answer("The meeting.", ref("MeetingDetail")),
                    "401": NO_KEY,
                    "404": error("Unknown, ended, or not visible to the caller.", "meeting_not_found"),
                }),
            "delete": operation(
                "End or cancel a meeting", "Ends an active meeting (everyone is disconnected, the charge is made) "
                f"or cancels a scheduled one.\n\n{HOST_NOTE}", tag="host controls", security=HOST, bucket="api",
                parameters=MEETING, responses={
                    **HOST_ERRORS,
                    "200": answer("`Meeting ended` or `Scheduled meeting cancelled`.", ref("Message")),
                    "404": error("Unknown or already ended meeting.", "meeting_not_found"),
                }),
        },
        "/api/meetings/{meetingId}/settings": {"patch": host_operation(
            "Update settings", "Change settings and title live; the room gets `meeting:settings-updated`.",
            {"200": answer("The new settings.", ref("SettingsUpdated")),
             "400": error("A field has the wrong type or value; nothing changed.", "invalid_json",
                          "validation_error")},
            request=body("SettingsPatch", example={"waitingRoom": True}))},
        "/api/meetings/{meetingId}/lock": {"post": host_operation(
            "Lock", "No new participants until unlocked.", {"200": answer("Locked.", ref("LockState"))})},
        "/api/meetings/{meetingId}/unlock": {"post": host_operation(
            "Unlock", "Participants may join again.", {"200": answer("Unlocked.", ref("LockState"))})},
        "/api/meetings/{meetingId}/invite": {"post": host_operation(
            "Create an invite", "A one-use invite link; a valid invite also passes the waiting room.",
            {"200": answer("The invite.", ref("Invite")), "400": error("Invalid name.", *bad_text)},
            request=body("Invite"))},
        "/api/meetings/{meetingId}/mute-all": {"post": host_operation(
            "Mute everyone", "Every participant is muted; the room gets `meeting:all-muted`.",
            {"200": answer("Muted.", ref("Message"), example={"message": "All participants muted"})})},
        "/api/meetings/{meetingId}/participants/{participantId}/mute": {"post": host_operation(
            "Mute a participant", "The participant gets `admin:mute`; the room `participant:updated`.",
            {"200": answer("`<name> muted`", ref("Message")), "404": PARTICIPANT_404}, parameters=PARTICIPANT)},
        "/api/meetings/{meetingId}/participants/{participantId}/unmute": {"post": host_operation(
            "Unmute a participant", "The participant gets `admin:unmute`; the room `participant:updated`.",
            {"200": answer("`<name> unmuted`", ref("Message")), "404": PARTICIPANT_404}, parameters=PARTICIPANT)},
        "/api/meetings/{meetingId}/participants/{participantId}/kick": {"post": host_operation(
            "Remove a participant", "The participant gets `admin:kick {reason}` and leaves the room.",
            {"200": answer("`<name> kicked`", ref("Message")), "400": error("Invalid reason.", *bad_text),
             "404": PARTICIPANT_404}, parameters=PARTICIPANT, request=body("Kick"))},
    }


MEMBER_NOTE = ("Needs the meeting's tenant (its owner's or their company's `x-api-key` or session) or the "
               "meeting's `x-admin-token`; an `x-api-key`, if sent, must be valid. Another tenant's meeting is 404.")
MEMBER_ERRORS: dict[str, Schema] = {
    "401": error("No credentials, or an invalid `x-api-key`.", "invalid_api_key"),
    "404": error("Unknown, scheduled, ended, or another tenant's meeting.", "meeting_not_found"),
}
LIMIT_409 = error(f"The meeting already has {POLLS_MAX} polls / {QUESTIONS_MAX} questions.", "limit_reached")


def member_operation(summary: str, description: str, responses: dict[str, Schema], **options: Any) -> Schema:
    options.setdefault("parameters", MEETING)
    return operation(summary, f"{description}\n\n{MEMBER_NOTE}", tag="collaboration", security=MEMBER,
                     responses={**MEMBER_ERRORS, **responses}, bucket="api", **options)


def collaboration_paths() -> dict[str, Schema]:
    poll_404 = error("No such active meeting, or no such poll in it.", "meeting_not_found", "poll_not_found")
    question_404 = error("No such active meeting, or no such question in it.", "meeting_not_found",
                         "question_not_found")
    csv = {"description": "`Name,Joined,Left,Duration (seconds)`, then one row per stay; text cells quoted, and "
                          "a cell starting with `=`, `+`, `-`, `@` (or tab / CR) prefixed with `'`. Sent as an "
                          "attachment `attendance-<meetingId>.csv`.",
           "content": {"text/csv": {"schema": string(), "example": 'Name,Joined,Left,Duration (seconds)\n"Ann",'
                                    '"2026-03-01T12:00:00.000Z","Still in meeting",60'}}}
    return {
        "/api/meetings/{meetingId}/polls": {
            "post": host_operation(
                "Create a poll", "The room gets `poll:created`.", {
                    "201": answer("Created.", ref("PollCreated")),
                    "400": error("`Provide question and 2-10 options`.", "invalid_json", "validation_error"),
                    "409": LIMIT_409},
                request=body("CreatePoll", required=True, example={"question": "Lunch?", "options": ["Pizza", "Sushi"]})),
            "get": member_operation("List polls", "Every poll of the meeting with its results.",
                                    {"200": answer("The polls.", ref("PollList"))}),
        },
        "/api/meetings/{meetingId}/polls/{pollId}/vote": {"post": member_operation(
            "Vote", "One vote per voter; voting again changes it. The room gets `poll:updated`.", {
                "200": answer("Counted.", ref("Voted")),
                "400": error("`Poll is closed` or `Invalid option`.", "invalid_json", "poll_closed", "validation_error"),
                "404": poll_404},
            parameters=POLL, request=body("Vote", required=True))},
        "/api/meetings/{meetingId}/polls/{pollId}/end": {"post": host_operation(
            "End a poll", "The room gets `poll:ended`; ending an ended poll repeats its results.",
            {"200": answer("The final results.", ref("PollResults")), "404": poll_404}, parameters=POLL)},
        "/api/meetings/{meetingId}/questions": {
            "post": member_operation(
                "Ask a question", "The room gets `qa:new`.", {
                    "201": answer("Asked.", ref("QuestionCreated")),
                    "400": error("`text required`.", "invalid_json", "validation_error"), "409": LIMIT_409},
                request=body("AskQuestion", required=True, example={"text": "When is the launch?"})),
            "get": member_operation("List questions", "Open questions, most upvoted first.",
                                    {"200": answer("The questions.", ref("QuestionList"))}),
        },
        "/api/meetings/{meetingId}/questions/{questionId}/upvote": {"post": member_operation(
            "Upvote a question", "Toggles the voter's upvote. The room gets `qa:updated {questionId, upvoteCount}`.",
            {"200": answer("The new count.", ref("UpvoteCount")), "400": error("Invalid JSON.", "invalid_json"),
             "404": question_404}, parameters=QUESTION, request=body("Upvote"))},
        "/api/meetings/{meetingId}/questions/{questionId}/answer": {"post": host_operation(
            "Answer a question", "The room gets `qa:updated {questionId, isAnswered, answer, answeredBy}`.",
            {"200": answer("Answered.", ref("Answered")),
             "400": error("`answer` is not a string.", "invalid_json", "validation_error"), "404": question_404},
            parameters=QUESTION, request=body("AnswerQuestion"))},
        "/api/meetings/{meetingId}/questions/{questionId}/dismiss": {"post": host_operation(
            "Dismiss a question", "Hidden from the list; the room gets `qa:updated {questionId, dismissed}`.",
            {"200": answer("Dismissed.", ref("Dismissed")), "404": question_404}, parameters=QUESTION)},
        "/api/meetings/{meetingId}/notes": {
            "get": member_operation("Read the notes", "The shared notes (saved with the meeting: they survive a server restart).",
                                    {"200": answer("The notes.", ref("Notes"))}),
            "put": host_operation(
                "Write the notes", "Replaces the notes; the whole room gets `notes:updated {content, lastUpdatedBy: "
                "\"Host\"}`.", {"200": answer("Saved.", ref("NotesSaved")),
                                "400": error("`content required`.", "invalid_json", "validation_error")},
                request=body("Notes", required=True, example={"content": "Agenda: ..."})),
        },
        "/api/meetings/{meetingId}/attendance": {"get": host_operation(
            "Attendance", "Who joined, when, and for how long.", {"200": answer("The report.", ref("Attendance"))})},
        "/api/meetings/{meetingId}/attendance/download": {"get": host_operation(
            "Attendance as CSV", "The same report as a spreadsheet file.", {"200": csv})},
    }


DESCRIPTION = """\
Slice's REST API, compatible with the onepizza API document. Real-time events are Socket.IO
(`docs/PROTOCOL.md`); differences from the original are in `docs/COMPATIBILITY.md`.

- Authentication: `x-api-key` (account keys), a session cookie (`connect.sid`, the dashboard),
  and `x-admin-token` (one meeting's host token). Each operation lists what it accepts.
- Errors are always JSON `{"error": message, "code": code}`; each response lists the codes it can carry.
  An unknown route is 404 `not_found`, a wrong method 405 `method_not_allowed` (with `Allow`).
- Bodies are JSON objects (an empty body counts as `{}`) of at most 1 MiB; unknown fields are ignored,
  `null` counts as absent (except in a settings PATCH). Text must be a string (400 `invalid_type`) of valid Unicode without NUL
  (400 `invalid_text`); a body that is not a JSON object is 400 `invalid_json`.
- Every GET also answers HEAD; CORS preflight (OPTIONS) is answered for the allowed origins.
- Rate limits are per client IP (see each operation); limited routes send `RateLimit-*` and
  `X-RateLimit-*` headers on every response.
"""


def app_version() -> str:
    try:
        return version("slice")
    except PackageNotFoundError:
        return "0.0.0"


class Area(Protocol):
    """A module describing one later area of the API (webhooks, billing, ...) with this module's
    building blocks: its tag, its paths, and the schemas and request bodies they refer to."""

    TAG: dict[str, str]
    SCHEMAS: dict[str, Schema]
    BODIES: dict[str, Schema]

    def paths(self) -> dict[str, Schema]: ...


AREA_MODULES: tuple[str, ...] = ("openapi_webhooks", "openapi_billing", "openapi_company", "openapi_usdc",
                                  "openapi_files", "openapi_recordings", "openapi_live_stats")
"""Module names under ``handlers.http``; each is imported when the document is first built."""


def areas() -> list[Area]:
    return [cast(Area, import_module(f"handlers.http.{name}")) for name in AREA_MODULES]


@cache
def document() -> Schema:
    """The whole OpenAPI document (built once per process)."""
    extra = areas()
    request_bodies = {f"{name}Request": schema for name, schema in BODIES.items()}
    for area in extra:
        request_bodies.update({f"{name}Request": schema for name, schema in area.BODIES.items()})
    paths = {**health_paths(), **auth_paths(), **key_paths(), **meeting_paths(), **collaboration_paths()}
    schemas = dict(SCHEMAS)
    for area in extra:
        paths.update(area.paths())
        schemas.update(area.SCHEMAS)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Slice REST API", "version": app_version(), "description": DESCRIPTION},
        "tags": [
            {"name": "health"}, {"name": "config"}, {"name": "docs"}, {"name": "auth"}, {"name": "api keys"},
            {"name": "meetings"}, {"name": "host controls", "description": "Need the meeting's `x-admin-token`."},
            {"name": "collaboration", "description": "Polls, questions and notes (contract §3.7)."},
            *(area.TAG for area in extra),
        ],
        "paths": paths,
        "components": {
            "schemas": {**schemas, **request_bodies},
            "responses": RESPONSES,
            "parameters": PARAMETERS,
            "headers": HEADERS,
            "securitySchemes": SECURITY_SCHEMES,
        },
        "x-rate-limits": {
            name: {"default": default, "setting": env, "scope": scope} for name, (env, default, scope) in BUCKETS.items()
        },
    }


@cache
def serialised() -> tuple[bytes, str]:
    raw = json.dumps(document(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return raw, f'W/"{hashlib.sha256(raw).hexdigest()[:32]}"'


@routes.get(PATH)
async def openapi_json(request: web.Request) -> web.Response:
    raw, etag = serialised()
    headers = {"Cache-Control": CACHE_CONTROL, "ETag": etag}
    sent = {tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")}
    if etag in sent or etag.removeprefix("W/") in sent or "*" in sent:
        return web.Response(status=304, headers=headers)
    return web.Response(body=raw, content_type="application/json", headers=headers)


__all__ = ["AREA_MODULES", "PATH", "areas", "document", "routes"]
