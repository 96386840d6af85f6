"""The webhooks area of the OpenAPI document: endpoints, deliveries, and the delivery format."""
from __future__ import annotations

from handlers.http.openapi import (
    BODY_CODES,
    LOGIN,
    SESSION,
    Schema,
    answer,
    body,
    closed,
    error,
    fields,
    integer,
    nullable,
    operation,
    ref,
    string,
)
from server.webhook_delivery import MAX_ATTEMPTS
from server.webhook_urls import URL_MAX
from server.webhooks import EVENTS, HOOKS_PER_TENANT
from store.mongo.webhooks import ATTEMPT_LOG_MAX

TAG_NAME = "webhooks"
TAG = {"name": TAG_NAME, "description": f"""\
Endpoints that receive meeting events, and the record of every delivery. Endpoints belong to the
caller's company when the caller is in one (every member sees and manages them), else to the caller.
A meeting's events go only to its owner's endpoints: the owning company's, or for a personal meeting
the owner's own. Guest meetings send none.

**Delivery.** A `POST` to the endpoint URL with a JSON body
`{{"event", "meetingId", "timestamp": <Unix ms>, "data": {{...}}}}` where `data` is
`meeting.started {{meetingId, title}}`, `participant.joined` / `participant.left
{{meetingId, participantId, name}}`, or `meeting.ended {{meetingId, title, durationMinutes,
peakParticipants, costUsd}}` (`costUsd` a string like `"0.0120"`). Headers:

- `X-OnePizza-Event: <event>`
- `X-Signature: sha256=<hex HMAC-SHA256(key, raw body)>` (as onepizza)
- Standard Webhooks: `webhook-id` (the delivery id, the same on every retry: de-duplicate on it),
  `webhook-timestamp` (Unix seconds of this attempt: reject old ones to stop replays) and
  `webhook-signature: v1,<base64 HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<raw body>")>`.

The HMAC key for both signatures is the UTF-8 bytes of the 48-hex-digit `secret` shown when the
endpoint is created (not a `whsec_` base64 key). Compare signatures in constant time, over the
raw body as received.

**Retries.** A 2xx answer delivers. A network error, a timeout (5 s), a 5xx or a 429 is retried with
exponential backoff and jitter, {MAX_ATTEMPTS} attempts over about 24 hours (`Retry-After` honoured up
to an hour); any other answer, a redirect included (they are not followed), fails the delivery. The
receiver's address is checked at every attempt: one that resolves to a private, loopback,
link-local or metadata address is not contacted (`error: "blocked address"`). Deliveries are
written to a durable outbox before the event is acknowledged, so they survive a restart; one
event reaches each endpoint once, barring a receiver that times out after accepting it.""",
}

ISO = ref("Timestamp")
HOOK_ID = {"name": "webhookId", "in": "path", "required": True, "schema": integer(minimum=0),
           "description": "The endpoint's `id`. Unknown, or another tenant's: 404."}
DELIVERY_ID = {"name": "deliveryId", "in": "path", "required": True, "schema": string(maxLength=64),
               "description": "A delivery's `id` (`msg_…`), from the deliveries list."}
LIMIT = {"name": "limit", "in": "query", "required": False, "schema": integer(minimum=1, maximum=100, default=50),
         "description": "How many deliveries, newest first."}
NOT_FOUND = error("No such endpoint among the caller's (and their company's).", "webhook_not_found")

SCHEMAS: dict[str, Schema] = {
    "Webhook": closed({
        "id": integer(minimum=1),
        "url": string(maxLength=URL_MAX),
        "events": {"type": "array", "items": string(enum=list(EVENTS)), "minItems": 1},
        "is_active": {"type": "boolean"},
        "created_at": ISO,
    }),
    "WebhookList": closed({"webhooks": {"type": "array", "items": ref("Webhook")}}),
    "CreatedWebhook": closed({
        "id": integer(minimum=1),
        "url": string(maxLength=URL_MAX),
        "events": {"type": "array", "items": string(enum=list(EVENTS)), "minItems": 1},
        "is_active": {"type": "boolean"},
        "created_at": ISO,
        "secret": string("The signing secret: shown only in this answer (stored encrypted).",
                         pattern="^[0-9a-f]{48}$"),
    }),
    "WebhookAttempt": closed({
        "at": ISO,
        "statusCode": nullable(integer("The receiver's HTTP status; null when no answer came.")),
        "durationMs": integer(minimum=0),
        "error": nullable(string("`timeout`, `blocked address`, `connection error: …`, or null.")),
    }),
    "WebhookDelivery": closed({
        "id": string("Also the `webhook-id` header.", pattern="^msg_"),
        "event": string(enum=list(EVENTS)),
        "meetingId": ref("MeetingId"),
        "status": string("`pending` (waiting for its next attempt), `delivered` or `failed` (gave up).",
                         enum=["pending", "delivered", "failed"]),
        "attempts": integer("Attempts so far, manual retries included.", minimum=0),
        "createdAt": ISO,
        "deliveredAt": nullable(ISO),
        "nextAttemptAt": nullable(ISO),
        "lastStatusCode": nullable(integer()),
        "attemptLog": {"type": "array", "items": ref("WebhookAttempt"), "maxItems": ATTEMPT_LOG_MAX,
                       "description": f"The newest {ATTEMPT_LOG_MAX} attempts, oldest first."},
    }),
    "WebhookDeliveryList": closed({"deliveries": {"type": "array", "items": ref("WebhookDelivery")}}),
    "RetriedDelivery": closed({"id": string(pattern="^msg_"), "status": string(const="pending")}),
}

BODIES: dict[str, Schema] = {
    "CreateWebhook": fields({
        "url": string(f"http or https, at most {URL_MAX} characters, no credentials; it must not name or "
                      "resolve to a private, loopback, link-local or metadata address."),
        "events": {"type": "array", "items": string(enum=list(EVENTS)),
                   "description": "Names not in the list are ignored; at least one must remain."},
    }, required=("url", "events")),
}


def paths() -> dict[str, Schema]:
    create_codes = (*BODY_CODES, "url_required", "too_long", "invalid_url", "private_url", "invalid_scheme",
                    "unresolvable_url", "events_required", "webhook_limit")
    return {
        "/api/webhooks": {
            "get": operation(
                "List webhook endpoints", "The caller's endpoints and their company's, oldest first. "
                "Secrets are never shown again.", tag=TAG_NAME, security=SESSION, bucket="api",
                responses={"200": answer("The endpoints.", ref("WebhookList")), "401": LOGIN}),
            "post": operation(
                "Create a webhook endpoint", f"Checks, in order: `url` present, parses, not an internal address "
                "by name or literal, http(s), then every address it resolves to is public. At most "
                f"{HOOKS_PER_TENANT} endpoints per account or company. The answer holds the signing `secret`, "
                "shown only here.", tag=TAG_NAME, security=SESSION, bucket="api",
                request=body("CreateWebhook", required=True),
                responses={
                    "201": answer("Created.", ref("CreatedWebhook")),
                    "400": error("`url required`, `Invalid URL`, `Webhook URL must not point to private/internal "
                                 "addresses`, `Webhook URL must use http or https`, `Webhook URL resolves to a "
                                 "private/internal address`, `Webhook URL host does not resolve`, `At least one valid event required`, or the limit.",
                                 *create_codes),
                    "401": LOGIN,
                }),
        },
        "/api/webhooks/{webhookId}": {"delete": operation(
            "Delete a webhook endpoint", "Nothing more is sent to it; its pending deliveries are dropped "
            "with it.", tag=TAG_NAME, security=SESSION, bucket="api", parameters=[HOOK_ID],
            responses={"200": answer("Deleted.", ref("Message")), "401": LOGIN, "404": NOT_FOUND})},
        "/api/webhooks/{webhookId}/deliveries": {"get": operation(
            "List deliveries", "The endpoint's deliveries, newest first, each with its attempts (time, "
            "status code, duration, error).", tag=TAG_NAME, security=SESSION, bucket="api",
            parameters=[HOOK_ID, LIMIT],
            responses={
                "200": answer("The deliveries.", ref("WebhookDeliveryList")),
                "400": error("`limit` is not an integer from 1 to 100.", "invalid_limit"),
                "401": LOGIN, "404": NOT_FOUND,
            })},
        "/api/webhooks/{webhookId}/deliveries/{deliveryId}/retry": {"post": operation(
            "Retry a delivery", "Queues the delivery (pending, failed or already delivered) for an attempt "
            f"now, with a fresh budget of {MAX_ATTEMPTS} attempts on the usual schedule; the body and "
            "`webhook-id` are unchanged, so a receiver can recognise a repeat.", tag=TAG_NAME, security=SESSION,
            bucket="api", parameters=[HOOK_ID, DELIVERY_ID],
            responses={
                "202": answer("Queued.", ref("RetriedDelivery")),
                "401": LOGIN,
                "404": error("No such endpoint, or no such delivery of it.", "webhook_not_found",
                             "delivery_not_found"),
            })},
    }
