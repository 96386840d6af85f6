"""OpenAPI area "billing": balance and credit history, Stripe Checkout top-ups and Stripe's webhook."""
from __future__ import annotations

from handlers.http.billing import HISTORY_DEFAULT, HISTORY_MAX
from handlers.http.openapi import (
    BODY_CODES,
    LOGIN,
    PUBLIC,
    SESSION,
    Schema,
    answer,
    body,
    boolean,
    closed,
    error,
    fields,
    integer,
    nullable,
    operation,
    ref,
    string,
)
from server.stripe_payments import AMOUNT_MAX, AMOUNT_MIN, AMOUNT_TEXT_MAX

TAG = {"name": "billing", "description": "Credits: balance and history, card top-ups through Stripe (issue 4)."}

TRANSACTION_TYPES = ["signup_credit", "meeting_charge", "stripe_topup", "usdc_deposit", "admin_grant",
                     "company_transfer"]

SCHEMAS: dict[str, Schema] = {
    "CreditTransaction": closed({
        "id": integer(),
        "amount_usd": {**ref("Usd"), "description": "Positive for credits, negative for charges."},
        "type": string("`company_transfer`: a balance merged into a company when joining it.", enum=TRANSACTION_TYPES),
        "description": nullable(string()),
        "reference_id": nullable(string("The meeting id of a charge, the Checkout session id of a top-up.")),
        "created_at": ref("Timestamp"),
    }),
    "BillingHistory": closed({
        "balance": {**ref("Usd"), "description": "The company's balance for a company member, else the user's."},
        "transactions": {"type": "array", "items": ref("CreditTransaction"),
                         "description": f"Newest first, {HISTORY_DEFAULT} unless `limit` says otherwise. A company "
                                        "member sees the company's entries; anyone else their own."},
    }),
    "CheckoutCreated": closed({"url": string("Stripe's hosted payment page; send the browser there.")}),
    "WebhookReceived": closed({"received": boolean(const=True)}),
}

BODIES: dict[str, Schema] = {
    "StripeCheckout": fields({
        "amountUsd": {
            "description": f"US dollars, ${AMOUNT_MIN} to ${AMOUNT_MAX}, rounded to the cent. A numeric string "
                           "is accepted too.",
            "oneOf": [{"type": "number", "minimum": int(AMOUNT_MIN), "maximum": int(AMOUNT_MAX)},
                      string(maxLength=AMOUNT_TEXT_MAX, pattern=r"^\s*\d+(\.\d+)?\s*$")],
        },
    }, required=("amountUsd",)),
    "StripeEvent": {"type": "object", "description": "A Stripe event object, exactly as Stripe sent it."},
}

NOT_CONFIGURED = "stripe_not_configured"
QUERY = [
    {"name": "limit", "in": "query", "required": False,
     "schema": integer(minimum=1, maximum=HISTORY_MAX, default=HISTORY_DEFAULT),
     "description": "How many transactions (newest first)."},
    {"name": "before", "in": "query", "required": False, "schema": integer(minimum=1),
     "description": "Only transactions with a smaller `id`: the next page after the last `id` seen."},
]
SIGNATURE = [{"name": "Stripe-Signature", "in": "header", "required": True, "schema": string(),
              "description": "`t=<unix time>,v1=<HMAC-SHA256 of \"<t>.<raw body>\" keyed with STRIPE_WEBHOOK_SECRET>`; "
                             "at most 5 minutes old."}]


def paths() -> dict[str, Schema]:
    return {
        "/api/billing/history": {"get": operation(
            "Balance and credit history", "The balance that pays for the caller's meetings and the ledger "
            "entries behind it.", tag="billing", security=SESSION, bucket="api", parameters=QUERY,
            responses={
                "200": answer("Balance and transactions.", ref("BillingHistory"), example={
                    "balance": "25.0000", "transactions": [{
                        "id": 2, "amount_usd": "-0.0120", "type": "meeting_charge",
                        "description": "Meeting abc-defg-hij (3m, 1 participants)", "reference_id": "abc-defg-hij",
                        "created_at": "2026-03-19T10:30:00.000Z"}]}),
                "400": error("`limit` or `before` out of range.", "invalid_limit", "invalid_before"),
                "401": LOGIN,
            })},
        "/api/billing/stripe/checkout": {"post": operation(
            "Start a card top-up", "Creates a Stripe Checkout session (card, USD) for the amount and a pending "
            "top-up; the balance is credited when Stripe confirms the payment through the webhook. A company "
            "member tops up the company.", tag="billing", security=SESSION, bucket="api",
            request=body("StripeCheckout", required=True, example={"amountUsd": 20}),
            responses={
                "200": answer("Send the browser to `url`.", ref("CheckoutCreated"),
                              example={"url": "https://checkout.stripe.com/c/pay/cs_test_a1"}),
                "400": error("Stripe is not configured (`STRIPE_SECRET_KEY`), or the amount is out of range.",
                             *BODY_CODES, NOT_CONFIGURED, "invalid_amount"),
                "401": LOGIN,
                "502": error("Stripe refused or could not be reached.", "stripe_error"),
            })},
        "/api/billing/stripe/webhook": {"post": operation(
            "Stripe webhook", "For Stripe only: verified with the `Stripe-Signature` header on the raw body. "
            "A paid `checkout.session.completed` (or `checkout.session.async_payment_succeeded`) credits the "
            "top-up exactly once per session, however often and concurrently Stripe delivers it. Other events "
            "are acknowledged and ignored. Not rate-limited.", tag="billing", security=PUBLIC,
            parameters=SIGNATURE, request=body("StripeEvent", required=True),
            responses={
                "200": answer("Acknowledged (also for events that need nothing).", ref("WebhookReceived")),
                "400": error("No webhook secret configured (`STRIPE_WEBHOOK_SECRET`), or the signature is "
                             "missing, wrong or stale.", NOT_CONFIGURED, "invalid_signature"),
            })},
    }


__all__ = ["BODIES", "SCHEMAS", "TAG", "paths"]
