"""Per-account USDC deposit addresses, derived from CRYPTO_MNEMONIC along ``m/44'/60'/0'/0/<index>``.

Only addresses leave this module; the mnemonic and keys stay in memory and never reach a log or an
error message (eth-account's own validation error quotes the words, so it is replaced).
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac

from server.settings import SettingsError
from store.mongo.database import Database
from store.mongo.usdc import UsdcStore

# BIP-44 for Ethereum: purpose 44', coin 60', account 0', external chain 0; the index is the last level.
CHAIN_PATH = "m/44'/60'/0'/0"
HD_INDEX_SEQUENCE = "hd_index"


class HdWallet:
    """Holds the extended key of the external chain, so an address costs one soft derivation
    instead of PBKDF2 plus four hardened steps."""

    def __init__(self, mnemonic: str) -> None:
        # Imported here: eth-account costs ~25 MB and 0.4 s at start-up, and most servers take no USDC.
        from eth_account.hdaccount import seed_from_mnemonic
        from eth_account.hdaccount.deterministic import Node, derive_child_key

        try:
            seed = seed_from_mnemonic(mnemonic, "")
        except Exception:
            raise SettingsError("CRYPTO_MNEMONIC is not a valid BIP-39 mnemonic") from None
        # BIP-32 master key, then the hardened steps; eth-account's HDPath.derive drops the chain code.
        master = hmac.new(b"Bitcoin seed", seed, hashlib.sha512).digest()
        key, chain_code = master[:32], master[32:]
        for part in CHAIN_PATH.split("/")[1:]:
            key, chain_code = derive_child_key(key, chain_code, Node.decode(part))
        self._chain = (key, chain_code)

    def address(self, index: int) -> str:
        """The checksummed address at ``m/44'/60'/0'/0/<index>``."""
        from eth_account import Account
        from eth_account.hdaccount.deterministic import SoftNode, derive_child_key

        key, _ = derive_child_key(*self._chain, SoftNode(index))
        return str(Account.from_key(key).address)


class DepositAddresses:
    """Hands each account (a company, or a user outside one) one address, allocated once."""

    def __init__(self, wallet: HdWallet | None, database: Database, store: UsdcStore) -> None:
        self.wallet = wallet
        self.database = database
        self.store = store

    @classmethod
    async def build(cls, mnemonic: str | None, database: Database, store: UsdcStore) -> DepositAddresses:
        wallet = await asyncio.to_thread(HdWallet, mnemonic) if mnemonic else None
        return cls(wallet, database, store)

    async def for_account(self, *, user_id: int, company_id: int | None) -> str | None:
        """The account's address, allocating one on first use; None without a mnemonic.

        The index comes from an atomic counter and is used at most once: when two first requests
        race, the loser's index is left unused rather than handed out again."""
        if self.wallet is None:
            return None
        existing = await self.store.address_of(user_id=user_id, company_id=company_id)
        if existing:
            return existing
        index = await self.database.next_id(HD_INDEX_SEQUENCE) - 1
        address = await asyncio.to_thread(self.wallet.address, index)
        owner_user = None if company_id is not None else user_id
        await self.store.remember(address, index, user_id=owner_user, company_id=company_id)
        if await self.store.claim(address, index, user_id=user_id, company_id=company_id):
            return address
        await self.store.forget(address)
        return await self.store.address_of(user_id=user_id, company_id=company_id)
