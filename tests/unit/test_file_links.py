"""Signed download links for shared files (server/files.py): bound to one file and one expiry, and they expire."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from server.files import LINK_TTL_SECONDS, FileVault
from server.settings import Settings

NOW = 1_800_000_000.0


def parts(link: str) -> tuple[str, str, str]:
    url = urlsplit(link)
    query = parse_qs(url.query)
    return url.path, query["expires"][0], query["sig"][0]


def test_a_link_is_valid_until_it_expires(tmp_path: Path) -> None:
    vault = FileVault(Settings(data_dir=tmp_path))
    path, expires, sig = parts(vault.link(7, now=NOW))
    assert path == "/api/meetings/files/7/download" and int(expires) == NOW + LINK_TTL_SECONDS
    assert vault.link_valid(7, expires, sig, now=NOW + LINK_TTL_SECONDS - 1)
    assert not vault.link_valid(7, expires, sig, now=NOW + LINK_TTL_SECONDS + 1)
    assert not vault.link_valid(8, expires, sig, now=NOW)
    for bad_expires in ("", "-1", "1e9", str(int(expires) + 1), "9" * 13):
        assert not vault.link_valid(7, bad_expires, sig, now=NOW), bad_expires
    assert not vault.link_valid(7, expires, sig.upper(), now=NOW)
    assert not vault.link_valid(7, expires, "é" * 10, now=NOW)


def test_links_depend_on_the_session_secret(tmp_path: Path) -> None:
    one = FileVault(Settings(data_dir=tmp_path, session_secret="a" * 32))
    other = FileVault(Settings(data_dir=tmp_path, session_secret="b" * 32))
    _, expires, sig = parts(one.link(7, now=NOW))
    assert one.link_valid(7, expires, sig, now=NOW) and not other.link_valid(7, expires, sig, now=NOW)
