"""Card top-ups through Stripe Checkout: create a session, then credit once when Stripe says it is paid.

The webhook may be delivered more than once, and at the same time: the ledger entry's unique key
``stripe:<session id>`` makes the credit happen exactly once whatever the order of deliveries.
"""
from __future__ import annotations

import asyncio
import logging
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from server.services import Services
from store.errors import InvalidInput, SliceError
from store.rooms.billing import MICROS_PER_USD, format_usd

log = logging.getLogger(__name__)

AMOUNT_MIN, AMOUNT_MAX = Decimal(5), Decimal(1000)
AMOUNT_TEXT_MAX = 32
PAID_EVENTS = ("checkout.session.completed", "checkout.session.async_payment_succeeded")
FAILED_EVENTS = ("checkout.session.async_payment_failed", "checkout.session.expired")
PRODUCT_NAME = "Slice credits"


class StripeUnavailable(SliceError):
    status, code, message = 502, "stripe_error", "Failed to create checkout session"


def not_configured() -> InvalidInput:
    return InvalidInput("Stripe payments not configured", code="stripe_not_configured")


def amount_cents(value: Any) -> int:
    """``amountUsd`` as whole cents: a JSON number or a numeric string (the original used
    ``parseFloat``), $5 to $1000, rounded half-up to the cent. Booleans, NaN, infinities and
    strings with trailing junk are refused (``parseFloat("20abc")`` was 20)."""
    invalid = InvalidInput("Amount must be between $5 and $1000", code="invalid_amount")
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise invalid
    if isinstance(value, str) and len(value) > AMOUNT_TEXT_MAX:
        raise invalid
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else str(value))
    except InvalidOperation:
        raise invalid from None
    if not amount.is_finite() or not AMOUNT_MIN <= amount <= AMOUNT_MAX:
        raise invalid
    return int(amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) * 100)


class StripePayments:
    def __init__(self, services: Services) -> None:
        self.s = services

    # -- checkout ------------------------------------------------------------------------------

    async def checkout(self, *, user_id: int, company_id: int | None, amount_usd: Any) -> str:
        """Create a Checkout session and its pending top-up row; returns Stripe's payment page URL.

        The credit goes to whoever holds the balance at checkout time (the company for a member).
        """
        secret = self.s.settings.stripe_secret_key
        if not secret:
            raise not_configured()
        cents = amount_cents(amount_usd)
        dollars = f"{Decimal(cents) / 100:.2f}"
        app_url = self.s.settings.app_url
        params: dict[str, Any] = {
            "mode": "payment",
            "payment_method_types": ["card"],
            "line_items": [{
                "price_data": {"currency": "usd", "unit_amount": cents, "product_data": {"name": PRODUCT_NAME}},
                "quantity": 1,
            }],
            "success_url": f"{app_url}/billing?success=1",
            "cancel_url": f"{app_url}/billing?cancel=1",
            "client_reference_id": str(user_id),
            "metadata": {
                "userId": str(user_id), "companyId": "" if company_id is None else str(company_id), "amountUsd": dollars,
            },
        }
        import stripe  # here, not at start-up: the library is large and most servers never use it

        try:
            # The library's sync client runs in a thread: the event loop never waits on Stripe.
            session = await asyncio.to_thread(self._create_session, secret, params)
        except stripe.StripeError as exc:
            log.error("stripe checkout failed", extra={"user": user_id, "error": str(exc)})
            raise StripeUnavailable() from None
        session_id, url = session.get("id"), session.get("url")
        if not isinstance(session_id, str) or not isinstance(url, str):
            log.error("stripe checkout answer without id or url", extra={"user": user_id})
            raise StripeUnavailable()
        await self.s.topups.add_pending(
            user_id=user_id, company_id=company_id, amount_micros=cents * 10_000, session_id=session_id
        )
        log.info("stripe checkout created", extra={"user": user_id, "session": session_id, "usd": dollars})
        return url

    def _create_session(self, secret: str, params: dict[str, Any]) -> dict[str, Any]:
        import stripe

        base = self.s.settings.stripe_api_base
        client = stripe.StripeClient(secret, base_addresses={"api": base} if base else None)
        return client.v1.checkout.sessions.create(params).to_dict()  # type: ignore[arg-type]

    # -- webhook -------------------------------------------------------------------------------

    async def handle_webhook(self, raw: bytes, signature: str | None) -> None:
        """Verify, then act on paid (or failed) Checkout sessions; every other event is acknowledged."""
        secret = self.s.settings.stripe_webhook_secret
        if not secret:
            raise not_configured()
        import stripe

        try:
            event = stripe.Webhook.construct_event(raw, signature, secret).to_dict()
            kind = event["type"]
            session = event["data"]["object"]
            if not isinstance(kind, str) or not isinstance(session, dict):
                raise TypeError("not an event")
        except (stripe.StripeError, ValueError, TypeError, KeyError, AttributeError):
            raise InvalidInput("Invalid signature", code="invalid_signature") from None
        if kind in PAID_EVENTS and session.get("payment_status") == "paid":
            await self._credit(session)
        elif kind in FAILED_EVENTS and isinstance(session.get("id"), str):
            await self.s.topups.fail(session["id"])

    async def _credit(self, session: dict[str, Any]) -> None:
        session_id = session.get("id")
        if not isinstance(session_id, str) or not session_id:
            log.error("stripe paid event without a session id")
            return
        owner = await self._owner_and_amount(session_id, session)
        if owner is None:
            return
        target = await self._current_holder(*owner[:2])
        if target is None:
            log.error("stripe session paid for a deleted account; not credited (refund it in Stripe)",
                      extra={"session": session_id})
            return
        (user_id, company_id), micros = target, owner[2]
        entry = await self.s.ledger.credit(
            user_id=user_id, company_id=company_id, amount_micros=micros, type="stripe_topup",
            description=f"Stripe top-up ${format_usd(micros, 2)}", key=f"stripe:{session_id}",
            reference_id=session_id,
        )
        await self.s.topups.complete(session_id, company_id=company_id)
        if entry is not None:
            log.info("stripe top-up credited", extra={"session": session_id, "usd": format_usd(micros, 2)})
            await self._receipt(user_id, micros)

    async def _current_holder(self, user_id: int, company_id: int | None) -> tuple[int, int | None] | None:
        """Whose balance the payment lands on now: the company paid for while it exists, else the
        payer's balance as it is now (their company's if they joined one since checkout, as the
        balance would have merged had the payment been quicker); None once the payer is deleted."""
        if company_id is not None and await self.s.accounts.company(company_id) is not None:
            return user_id, company_id
        user = await self.s.accounts.get(user_id)
        if user is None:
            return None
        return user_id, user.get("company_id")

    async def _owner_and_amount(self, session_id: str, session: dict[str, Any]) -> tuple[int, int | None, int] | None:
        """Who to credit and how much: our pending row when there is one (the amount we asked
        for), else the session's metadata, which must agree with what Stripe charged."""
        if session.get("currency", "usd") != "usd":
            log.error("stripe session not in usd; not credited",
                      extra={"session": session_id, "currency": str(session.get("currency"))[:10]})
            return None
        charged = session.get("amount_total")
        charged_micros = charged * 10_000 if isinstance(charged, int) and not isinstance(charged, bool) else None
        row = await self.s.topups.by_session(session_id)
        if row is not None:
            if charged_micros is not None and charged_micros != row["amount_micros"]:
                log.error("stripe amount differs from the top-up row; not credited",
                          extra={"session": session_id, "charged": charged, "row": row["amount_micros"]})
                return None
            return row["user_id"], row.get("company_id"), int(row["amount_micros"])
        metadata = session.get("metadata") or {}
        try:
            user_id = int(metadata["userId"])
            company_id = int(metadata["companyId"]) if metadata.get("companyId") else None
            micros = int(Decimal(str(metadata["amountUsd"])) * MICROS_PER_USD)
        except (KeyError, TypeError, ValueError, InvalidOperation):
            log.error("stripe session without usable metadata; not credited", extra={"session": session_id})
            return None
        if charged_micros is None or charged_micros != micros or micros <= 0:
            log.error("stripe amount differs from the metadata; not credited",
                      extra={"session": session_id, "charged": charged, "metadata": metadata.get("amountUsd")})
            return None
        if await self.s.accounts.get(user_id) is None:
            log.error("stripe session for an unknown user; not credited", extra={"session": session_id})
            return None
        await self.s.topups.record_completed(
            user_id=user_id, company_id=company_id, amount_micros=micros, session_id=session_id
        )
        return user_id, company_id, micros

    async def _receipt(self, user_id: int, micros: int) -> None:
        try:
            user = await self.s.accounts.get(user_id)
            if user is not None:
                await self.s.mailer.topup_receipt(user["email"], format_usd(micros, 2))
        except Exception:
            log.exception("top-up receipt mail failed")
