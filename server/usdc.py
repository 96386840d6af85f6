"""USDC deposits as one unit of the running server: the address book, and the watcher when it can run.

The watcher needs both CRYPTO_MNEMONIC (addresses to watch) and ETH_RPC_URL (a node to ask);
without the mnemonic, accounts get ``{address: null}``.
"""
from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

from aiohttp import web

from server.services import SERVICES
from server.settings import Settings, SettingsError
from server.usdc_addresses import DepositAddresses
from server.usdc_watcher import DepositWatcher

log = logging.getLogger(__name__)

ETH_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")


@dataclass
class Usdc:
    addresses: DepositAddresses
    watcher: DepositWatcher | None


USDC = web.AppKey("usdc", Usdc)


def check(settings: Settings) -> None:
    if not ETH_ADDRESS.match(settings.usdc_contract):
        raise SettingsError("USDC_CONTRACT must be 0x followed by 40 hex digits")
    if settings.usdc_confirmations < 0:
        raise SettingsError("USDC_CONFIRMATIONS must be 0 or more")
    if settings.usdc_max_block_range < 1:
        raise SettingsError("USDC_MAX_BLOCK_RANGE must be 1 or more")
    if not settings.usdc_poll_seconds > 0:
        raise SettingsError("USDC_POLL_SECONDS must be positive")
    if settings.usdc_start_block is not None and settings.usdc_start_block < 0:
        raise SettingsError("USDC_START_BLOCK must be 0 or more")


async def usdc_context(app: web.Application) -> AsyncIterator[None]:
    """A cleanup context placed after the database's: it uses the services and stops before they close."""
    services = app[SERVICES]
    settings = services.settings
    check(settings)
    addresses = await DepositAddresses.build(settings.crypto_mnemonic, services.database, services.usdc)
    watcher = None
    if settings.crypto_mnemonic and settings.eth_rpc_url:
        watcher = DepositWatcher(settings, services.usdc, services.ledger, services.accounts)
        await watcher.start()
        log.info("USDC deposit watcher started", extra={"confirmations": settings.usdc_confirmations})
    app[USDC] = Usdc(addresses, watcher)
    try:
        yield
    finally:
        if watcher is not None:
            await watcher.stop()
