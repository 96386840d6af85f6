"""SSRF defence (contract §3.9 messages): internal receivers are refused when a hook is created, and
again at every delivery, where the resolver the delivery client connects through refuses them."""
from __future__ import annotations

import ipaddress
import socket
from typing import Any

import pytest

from server.settings import Settings
from tests.conftest import StartServer, eventually
from tests.http.http_support import error_of
from tests.meetings.support import account, create_meeting, quiet
from tests.webhooks.support import ALL_EVENTS, add_hook, deliveries, fast_server, receiver

PRIVATE = "Webhook URL must not point to private/internal addresses"
RESOLVES_PRIVATE = "Webhook URL resolves to a private/internal address"


def loopback_name() -> str:
    """This machine's own name: /etc/hosts maps it to a loopback address (127.0.0.1 or 127.0.1.1)."""
    name = socket.gethostname()
    addresses = {info[4][0] for info in socket.getaddrinfo(name, 80, type=socket.SOCK_STREAM)}
    assert addresses and all(ipaddress.ip_address(a).is_loopback or ipaddress.ip_address(a).is_private
                             for a in addresses), (name, addresses)
    return name


async def refusal(client: Any, url: Any, events: Any = ALL_EVENTS) -> tuple[int, str]:
    resp = await client.post("/api/webhooks", json={"url": url, "events": events})
    return await error_of(resp)


@pytest.mark.parametrize(("url", "message"), [
    ("http://10.1.2.3/hook", PRIVATE),
    ("http://192.168.0.10:8080/hook", PRIVATE),
    ("http://127.0.0.1:9000/hook", PRIVATE),
    ("http://[::1]/hook", PRIVATE),  # the original let bracketed IPv6 literals through
    ("http://[::ffff:10.0.0.1]/hook", PRIVATE),
    ("http://169.254.169.254/latest/meta-data/", PRIVATE),
    ("http://100.64.0.1/hook", PRIVATE),
    ("http://0.0.0.0/hook", PRIVATE),
    ("http://localhost:3000/hook", PRIVATE),
    ("http://metadata.google.internal/hook", PRIVATE),
    ("ftp://example.com/hook", "Webhook URL must use http or https"),
    ("not a url", "Invalid URL"),
    ("http://user:pass@example.com/hook", "Invalid URL"),
    ("", "url required"),
    (None, "url required"),
    ("https://nonexistent.invalid/hook", "Webhook URL host does not resolve"),
])
async def test_internal_or_malformed_receivers_are_refused_at_creation(
    api: Any, url: str | None, message: str
) -> None:
    await account(api)
    assert await refusal(api, url) == (400, message)
    assert (await (await api.get("/api/webhooks")).json())["webhooks"] == []


async def test_a_name_that_resolves_to_loopback_is_refused(api: Any) -> None:
    await account(api)
    assert await refusal(api, f"http://{loopback_name()}:8080/hook") == (400, RESOLVES_PRIVATE)


async def test_other_creation_checks(start_server: StartServer) -> None:
    api = await fast_server(start_server)
    await account(api)
    assert await refusal(api, "https://" + "a" * 500 + ".example.com/") == (400, "url too long (max 500 characters)")
    assert await refusal(api, 42) == (400, "url must be a string")
    for events in ([], ["meeting.paused"], "meeting.ended", None, [1, None]):
        assert await refusal(api, "ftp://127.0.0.1/", events) == (400, "Webhook URL must use http or https")
        assert await refusal(api, "http://127.0.0.1:9/", events) == (400, "At least one valid event required")
    body = await add_hook(api, "http://127.0.0.1:9/", ["meeting.ended", "bogus", "meeting.ended", "participant.left"])
    assert body["events"] == ["meeting.ended", "participant.left"]


async def test_metadata_addresses_are_refused_even_when_private_ones_are_allowed(start_server: StartServer) -> None:
    api = await fast_server(start_server)
    await account(api)
    for url in ("http://169.254.169.254/", "http://[fd00:ec2::254]/", "http://[::ffff:169.254.169.254]/"):
        assert await refusal(api, url) == (400, PRIVATE), url
    body = await add_hook(api, "http://127.0.0.1:9/hook")  # loopback itself is allowed here
    assert body["url"] == "http://127.0.0.1:9/hook"


async def test_a_receiver_that_became_internal_is_blocked_at_delivery(
    start_server: StartServer, settings: Settings
) -> None:
    """Created while private addresses were allowed; delivered by a server that refuses them: both the
    literal address and the name that resolves to loopback are refused before any byte is sent."""
    async with receiver() as hooks:
        first = await fast_server(start_server)
        owner = await account(first)
        by_ip = await add_hook(first, hooks.url, ["meeting.started"])
        by_name = await add_hook(first, f"http://{loopback_name()}:{hooks.port}/hook", ["meeting.started"])
        await first.close()

        second = await fast_server(start_server, webhook_allow_private=False)
        await create_meeting(second, owner["key"])
        await second.post("/api/auth/login", json={"email": owner["email"], "password": "secret123"})

        async def both_failed() -> bool:
            found = [await deliveries(second, hook["id"]) for hook in (by_ip, by_name)]
            return all(one and one[0]["status"] == "failed" for one in found)

        await eventually(both_failed, timeout=5)
        await quiet(0.3)
        assert hooks.requests == []
        for hook in (by_ip, by_name):
            [delivery] = await deliveries(second, hook["id"])
            assert delivery["attempts"] == 1
            assert [(a["statusCode"], a["error"]) for a in delivery["attemptLog"]] == [(None, "blocked address")]
