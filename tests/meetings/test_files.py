"""Files shared in a meeting's chat (contract §3.7): upload, the room's ``chat:file``, lists, downloads.

A real server, real sockets and real multipart bodies; the bytes are checked on disk and as downloaded.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import ClientResponse, FormData
from aiohttp.test_utils import TestClient

from server.settings import Settings
from tests.conftest import StartServer
from tests.http.http_support import browser, error_of
from tests.http.openapi_support import Contract, assert_every_success_checked
from tests.meetings.support import account, bots, create_meeting, quiet

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40


def form(content: bytes = PDF, *, name: str = "report.pdf", mime: str = "application/pdf", field: str = "file",
         sender: str | None = None) -> FormData:
    data = FormData(quote_fields=False)  # names as a browser sends them: UTF-8, not percent-encoded
    if sender is not None:
        data.add_field("participantName", sender)
    data.add_field(field, content, filename=name, content_type=mime)
    return data


def stored_files(settings: Settings) -> list[Path]:
    directory = settings.data_dir / "files"
    return sorted(directory.iterdir()) if directory.exists() else []


async def owned_meeting(api: TestClient) -> tuple[dict[str, Any], dict[str, Any], str]:
    owner = await account(api)
    meeting = await create_meeting(api, owner["key"], title="Files")
    api.session.cookie_jar.clear()
    return owner, meeting, f"/api/meetings/{meeting['meetingId']}/files"


async def created(resp: ClientResponse) -> dict[str, Any]:
    body = await resp.json()
    assert resp.status == 201, body
    return body


async def test_a_shared_file_reaches_the_room_and_downloads_byte_for_byte(
        api: TestClient, settings: Settings, contract: Contract) -> None:
    owner, meeting, path = await owned_meeting(api)
    async with bots(api, 2) as (host, guest):
        await host.join(meeting["meetingId"], "Host", isAdmin=True, adminToken=meeting["adminToken"])
        await guest.join(meeting["meetingId"], "Guest")
        resp = await api.post(path, data=form(sender="  Ann  "), headers=owner["key"])
        body = await contract.check(resp)
        assert resp.status == 201
        assert (body["original_name"], body["size_bytes"], body["mime_type"]) == ("report.pdf", len(PDF),
                                                                                   "application/pdf")
        for bot in (host, guest):
            shared = await bot.wait_for("chat:file")
            assert {k: shared[k] for k in ("fileId", "name", "size", "mimeType", "sender")} == {
                "fileId": body["id"], "name": "report.pdf", "size": len(PDF), "mimeType": "application/pdf",
                "sender": "Ann"}
            assert isinstance(shared["timestamp"], int)
        link = guest.got("chat:file")[0]["downloadUrl"]

    # The guest has no key and no session: the signed link is enough.
    async with browser(api) as anonymous:
        got = await anonymous.get(api.make_url(link))
        assert got.status == 200 and await got.read() == PDF
        assert got.headers["Content-Type"] == "application/pdf"
        assert got.headers["Content-Disposition"].startswith('attachment; filename="report.pdf"')
        assert got.headers["Content-Security-Policy"].startswith("sandbox")
        assert (await anonymous.get(api.make_url(f"/api/meetings/files/{body['id']}/download"))).status == 401

    # One stored file, under a random name, with exactly the bytes sent.
    [on_disk] = stored_files(settings)
    assert on_disk.read_bytes() == PDF and "report" not in on_disk.name

    listed = await contract.check(await api.get(path, headers=owner["key"]))
    [row] = listed["files"]
    assert (row["id"], row["participant_name"], row["original_name"]) == (body["id"], "Ann", "report.pdf")
    assert await contract.check(await api.get(path, headers={"x-admin-token": meeting["adminToken"]})) == listed
    download = await api.get(f"/api/meetings/files/{body['id']}/download", headers=owner["key"])
    assert await contract.check(download) is not None and await download.read() == PDF
    assert_every_success_checked(contract, "files")


async def test_other_tenants_see_nothing_and_links_cannot_be_forged(api: TestClient) -> None:
    owner, meeting, path = await owned_meeting(api)
    body = await created(await api.post(path, data=form(), headers=owner["key"]))
    stranger = await account(api)
    api.session.cookie_jar.clear()
    url = f"/api/meetings/files/{body['id']}/download"

    assert await error_of(await api.post(path, data=form(), headers=stranger["key"])) == (404, "Meeting not found")
    assert await error_of(await api.post(path, data=form())) == (401, "Invalid or missing API key")
    assert await error_of(await api.get(path)) == (401, "Invalid or missing API key")
    assert (await (await api.get(path, headers=stranger["key"])).json()) == {"files": []}
    assert await error_of(await api.get(url, headers=stranger["key"])) == (404, "File not found")
    assert await error_of(await api.get("/api/meetings/files/999999/download", headers=owner["key"])) == (
        404, "File not found")

    link = (await (await api.get(path, headers=owner["key"])).json())["files"][0]["downloadUrl"]
    expires, sig = link.split("expires=")[1].split("&sig=")
    forged = [
        f"{url}?expires={expires}&sig={sig[:-1]}{'0' if sig[-1] != '0' else '1'}",
        f"{url}?expires={int(expires) + 3600}&sig={sig}",  # a longer life is not signed
        f"{url}?expires=1&sig={sig}",
        f"{url}?sig={sig}",
        f"/api/meetings/files/{body['id'] + 1}/download?expires={expires}&sig={sig}",  # another file
    ]
    for bad in forged:
        assert await error_of(await api.get(bad)) == (403, "Download link is invalid or has expired"), bad


async def test_refused_uploads_keep_nothing(start_server: StartServer, settings: Settings) -> None:
    api = await start_server(file_max_bytes=4096)
    owner, meeting, path = await owned_meeting(api)
    key = owner["key"]
    refusals = [
        (form(b"x" * 4097), "File too large"),
        (form(b"MZ...", name="tool.exe", mime="application/x-msdownload"),
         "Only images, PDFs, documents, and text files are allowed"),
        (form(b"hi", name="a.txt", mime="text/" + "x" * 200),
         "Only images, PDFs, documents, and text files are allowed"),
        (form(b"small", field="attachment"), "Unexpected field"),
    ]
    for data, message in refusals:
        assert await error_of(await api.post(path, data=data, headers=key)) == (400, message)
    two = form(b"first")
    two.add_field("file", b"second", filename="b.txt", content_type="text/plain")
    assert await error_of(await api.post(path, data=two, headers=key)) == (400, "Unexpected field")
    only_text = FormData({"participantName": "Ann", "note": "hello"}, default_to_multipart=True)
    assert await error_of(await api.post(path, data=only_text, headers=key)) == (400, "No file uploaded")
    assert await error_of(await api.post(path, json={"file": "x"}, headers=key)) == (400, "No file uploaded")
    broken = await api.post(path, data=b"--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n",
                            headers={**key, "Content-Type": "multipart/form-data; boundary=xyz"})
    assert broken.status == 400

    assert stored_files(settings) == [], "a refused upload leaves no file, not even a partial one"
    assert (await (await api.get(path, headers=key)).json()) == {"files": []}
    # The limit is inclusive: exactly FILE_MAX_BYTES is taken.
    assert (await created(await api.post(path, data=form(b"x" * 4096, name="max.txt", mime="text/plain"),
                                         headers=key)))["size_bytes"] == 4096


async def test_names_are_shown_as_sent_but_never_used_as_paths(api: TestClient, settings: Settings) -> None:
    owner, meeting, path = await owned_meeting(api)
    upload = form(b"hello", name="../../etc/pass;wd\tfile.txt", mime="text/plain; charset=utf-8", sender="x" * 100)
    body = await created(await api.post(path, data=upload, headers=owner["key"]))
    assert body["original_name"] == "pass;wdfile.txt" and body["mime_type"] == "text/plain"
    [on_disk] = stored_files(settings)
    assert on_disk.parent == settings.data_dir / "files"
    got = await api.get(f"/api/meetings/files/{body['id']}/download", headers=owner["key"])
    assert await got.read() == b"hello"
    assert got.headers["Content-Disposition"] == (
        "attachment; filename=\"pass_wdfile.txt\"; filename*=UTF-8''pass%3Bwdfile.txt")
    [row] = (await (await api.get(path, headers=owner["key"])).json())["files"]
    assert row["participant_name"] == "x" * 60

    unicode_name = await created(await api.post(path, data=form(b"hi", name="Plan für März.txt", mime="text/plain"),
                                                headers=owner["key"]))
    got = await api.get(f"/api/meetings/files/{unicode_name['id']}/download", headers=owner["key"])
    assert got.headers["Content-Disposition"] == (
        "attachment; filename=\"Plan_f_r_M_rz.txt\"; filename*=UTF-8''Plan%20f%C3%BCr%20M%C3%A4rz.txt")


async def test_files_outlive_the_meeting_for_their_tenant(api: TestClient) -> None:
    owner, meeting, path = await owned_meeting(api)
    body = await created(await api.post(path, data=form(), headers=owner["key"]))
    resp = await api.delete(f"/api/meetings/{meeting['meetingId']}", headers=meeting["admin"])
    assert resp.status == 200
    api.session.cookie_jar.clear()
    assert await error_of(await api.post(path, data=form(), headers=owner["key"])) == (404, "Meeting not found")
    [row] = (await (await api.get(path, headers=owner["key"])).json())["files"]
    assert row["id"] == body["id"]
    # The host token only lists while the meeting runs; the tenant's key still downloads.
    assert await error_of(await api.get(path, headers={"x-admin-token": meeting["adminToken"]})) == (
        401, "Invalid or missing API key")
    got = await api.get(f"/api/meetings/files/{body['id']}/download", headers=owner["key"])
    assert got.status == 200 and await got.read() == PDF


async def test_the_host_token_alone_shares_in_a_guest_meeting(api: TestClient) -> None:
    resp = await api.post("/api/meetings/guest", json={"name": "Gina"})
    meeting = await resp.json()
    assert resp.status in (200, 201), meeting
    path = f"/api/meetings/{meeting['meetingId']}/files"
    host_token = {"x-admin-token": meeting["adminToken"]}
    async with bots(api, 1) as (guest,):
        await guest.join(meeting["meetingId"], "Guest")
        body = await created(await api.post(path, data=form(b"notes", name="n.txt", mime="text/plain"),
                                            headers=host_token))
        shared = await guest.wait_for("chat:file")
        assert shared["fileId"] == body["id"] and shared["sender"] == "Unknown"
        await quiet()
        assert len(guest.got("chat:file")) == 1
    [row] = (await (await api.get(path, headers=host_token)).json())["files"]
    assert row["id"] == body["id"]
    wrong = {"x-admin-token": meeting["adminToken"][:-1] + ("1" if meeting["adminToken"][-1] == "0" else "0")}
    assert await error_of(await api.post(path, data=form(), headers=wrong)) == (401, "Invalid or missing API key")
