"""OpenAPI area "usdc": the per-account USDC deposit address (issue 4, part 5)."""
from __future__ import annotations

from handlers.http.openapi import LOGIN, SESSION, Schema, answer, closed, nullable, operation, ref, string

TAG = {"name": "usdc", "description": "Top up credits with USDC (ERC-20 on Ethereum) sent to a deposit address."}

SCHEMAS: dict[str, Schema] = {
    "UsdcAddress": closed({
        "address": nullable(string(
            "Checksummed Ethereum address; `null` when the server has no `CRYPTO_MNEMONIC`.",
            pattern=r"^0x[0-9a-fA-F]{40}$", examples=["0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"],
        )),
    }),
}

BODIES: dict[str, Schema] = {}


def paths() -> dict[str, Schema]:
    return {
        "/api/billing/usdc/address": {"get": operation(
            "USDC deposit address",
            "The caller's deposit address, derived from the server's mnemonic along `m/44'/60'/0'/0/<index>` and "
            "allocated on first request: a company member gets the company's address, anyone else their own. "
            "USDC sent there is credited 1:1 in US dollars once its block is confirmed (`USDC_CONFIRMATIONS` "
            "blocks deep, 12 by default). Send only USDC, and only on the chain the server watches.",
            tag="usdc", security=SESSION, bucket="api",
            responses={
                "200": answer("The address, or `null`.", ref("UsdcAddress"),
                              example={"address": "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"}),
                "401": LOGIN,
            })},
    }
