"""Recording over REST and sockets without media: who may start, stop, list, download and delete,
the 404s, the 409s (``not_sfu``, ``recording_running``, ``not_recording``), bad input, retention.

Files here are written by the test into ``DATA_DIR/recordings`` with their rows, the way the
recorder leaves them (tests/media/test_recording_sfu.py records real media).
"""
from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from server.recordings import RECORDINGS, RecordingService
from server.services import SERVICES
from server.settings import Settings
from tests.conftest import StartServer
from tests.http.openapi_support import Contract, contract_of
from tests.meetings.socket_support import join_as_host, new_meeting
from tests.meetings.support import account, bots, create_meeting

DAY_MS = 86_400_000


async def code(contract: Contract, resp: Any) -> tuple[int, str]:
    body = await contract.check(resp)
    return resp.status, body["code"]


def recorder(api: TestClient) -> RecordingService:
    return api.server.app[RECORDINGS]


async def stored(api: TestClient, settings: Settings, meeting: dict[str, Any], owner: dict[str, Any], *,
                 ended_ms: int | None = None, content: bytes = b"\x1aE\xdf\xa3 webm bytes") -> dict[str, Any]:
    """A recorded file on disk and its row, as the recorder leaves them."""
    recording_id, file_id = secrets.token_hex(8), secrets.token_hex(12)
    directory = settings.data_dir / "recordings" / recording_id
    directory.mkdir(parents=True)
    (directory / f"{file_id}.webm").write_bytes(content)
    ended = ended_ms if ended_ms is not None else int(time.time() * 1000)
    row = {
        "_id": file_id, "format": "webm", "recording_id": recording_id, "meeting_id": meeting["meetingId"],
        "meeting_title": "T", "owner_id": owner["user_id"], "owner_company_id": None, "started_by": "Host",
        "recording_started_at_ms": ended - 5000, "participant_id": "p1", "participant_name": "Ann",
        "kind": "video", "source": "camera", "codec": "VP8", "width": 320, "height": 240,
        "size_bytes": len(content), "duration_ms": 5000, "offset_ms": 0, "started_at_ms": ended - 5000,
        "ended_at_ms": ended, "complete": True, "download_count": 0,
    }
    await api.server.app[SERVICES].recordings.add([row])
    return row


async def user_of(api: TestClient, registered: dict[str, Any]) -> dict[str, Any]:
    user = await api.server.app[SERVICES].database.db.users.find_one({"email": registered["email"]})
    assert user is not None
    return {"user_id": user["_id"], "company_id": user.get("company_id")}


async def test_host_routes_check_token_meeting_mode_and_state(api: TestClient, contract: Contract) -> None:
    mesh = await new_meeting(api, title="Mesh")
    sfu = await new_meeting(api, title="SFU", mediaMode="sfu")
    api.session.cookie_jar.clear()
    start, stop = (f"/api/meetings/{sfu['id']}/recordings/{verb}" for verb in ("start", "stop"))
    assert await code(contract, await api.post(start)) == (403, "admin_token_invalid")
    assert await code(contract, await api.post(start, headers={"x-admin-token": "guess"})) == (403,
                                                                                               "admin_token_invalid")
    assert await code(contract, await api.post(stop, headers={"x-admin-token": mesh["adminToken"]})) == (
        403, "admin_token_invalid")  # another meeting's token
    assert await code(contract, await api.post("/api/meetings/000-0000-000/recordings/start",
                                               headers=sfu["admin"])) == (404, "meeting_not_found")
    assert await code(contract, await api.post(f"/api/meetings/{mesh['id']}/recordings/start",
                                               headers=mesh["admin"])) == (409, "not_sfu")
    assert await code(contract, await api.post(start, json={"hostName": 5}, headers=sfu["admin"])) == (
        400, "invalid_type")
    assert await code(contract, await api.post(start, json={"hostName": "x" * 1001}, headers=sfu["admin"])) == (
        400, "too_long")
    assert await code(contract, await api.post(stop, headers=sfu["admin"])) == (409, "not_recording")

    async with bots(api, 1) as (watcher,):
        await watcher.join(sfu["id"], "Wes")
        started = await contract.check(await api.post(start, json={"hostName": "x" * 80}, headers=sfu["admin"]))
        assert started["hostName"] == "x" * 60
        assert await watcher.wait_for("recording:started") == {"hostName": "x" * 60,
                                                                "recordingId": started["recordingId"]}
        assert await code(contract, await api.post(start, headers=sfu["admin"])) == (409, "recording_running")
        # The meeting cannot claim anything else while the server records: no notice replaces it.
        patched = await api.patch(f"/api/meetings/{sfu['id']}/settings", json={"title": "Still recording"},
                                  headers=sfu["admin"])
        assert patched.status == 200
        stopped = await contract.check(await api.post(stop, headers=sfu["admin"]))
        assert stopped == {"recordingId": started["recordingId"], "recordings": []}  # nobody published
        assert await watcher.wait_for("recording:stopped") == {"recordingId": started["recordingId"]}
        assert await code(contract, await api.post(stop, headers=sfu["admin"])) == (409, "not_recording")


async def test_guest_meetings_and_a_disabled_feature_are_refused(api: TestClient, contract: Contract) -> None:
    guest = await (await api.post("/api/meetings/guest", json={})).json()
    resp = await api.post(f"/api/meetings/{guest['meetingId']}/recordings/start",
                          headers={"x-admin-token": guest["adminToken"]})
    assert await code(contract, resp) == (403, "guest_meeting")
    sfu = await new_meeting(api, title="SFU", mediaMode="sfu")
    await api.server.app[SERVICES].site_settings.set("recording_enabled", False)
    resp = await api.post(f"/api/meetings/{sfu['id']}/recordings/start", headers=sfu["admin"])
    assert await code(contract, resp) == (403, "recording_disabled")


async def test_socket_start_and_stop_are_for_hosts_of_sfu_meetings(api: TestClient) -> None:
    sfu = await new_meeting(api, title="SFU", mediaMode="sfu")
    mesh = await new_meeting(api, title="Mesh")
    async with bots(api, 3) as (host, guest, mesh_host):
        await join_as_host(host, sfu, "Hannah")
        await guest.join(sfu["id"], "Gus")
        await join_as_host(mesh_host, mesh, "Mo")
        refused = {"error": "Only the host can do that", "code": "not_host"}
        assert await guest.sio.call("recording:start", {}) == refused
        assert await mesh_host.sio.call("recording:start") == {
            "error": "This meeting uses mesh mode; set mediaMode to 'sfu' first", "code": "not_sfu"}
        assert await host.sio.call("recording:stop") == {"error": "No recording is running", "code": "not_recording"}
        ack = await host.sio.call("recording:start", {"hostName": "  The Host  "}, timeout=20)
        assert ack["ok"] is True
        for bot in (host, guest):
            assert await bot.wait_for("recording:started") == {"hostName": "The Host",
                                                                "recordingId": ack["recordingId"]}
        # The notice events cannot hide or replace the server's recording.
        assert await host.sio.call("recording:broadcast-started", {}) == {
            "error": "A recording is already running", "code": "recording_running"}
        await guest.sio.emit("recording:broadcast-stopped")
        assert await guest.sio.call("recording:stop") == refused
        # It outlives its starter: the host leaving (or reloading) does not stop it.
        await host.sio.emit("leave-meeting")
        await guest.wait_for("participant:left")
        assert guest.got("recording:stopped") == []
        await join_as_host(host, sfu, "Hannah again")
        assert host.got("joined")[-1]["isRecording"] is True
        assert await host.sio.call("recording:stop", timeout=20) == {"ok": True, "recordingId": ack["recordingId"],
                                                                     "files": 0}
        assert await guest.wait_for("recording:stopped") == {"recordingId": ack["recordingId"]}


async def test_only_the_owner_lists_downloads_and_deletes(api: TestClient, settings: Settings) -> None:
    contract = await contract_of(api)
    owner = await account(api)
    meeting = await create_meeting(api, owner["key"], title="Owned")
    stranger = await account(api)
    api.session.cookie_jar.clear()
    row = await stored(api, settings, meeting, await user_of(api, owner))
    listing = f"/api/meetings/{meeting['meetingId']}/recordings"
    download, delete = f"/api/recordings/{row['_id']}/download", f"/api/recordings/{row['_id']}"

    assert await code(contract, await api.get(listing)) == (401, "invalid_api_key")
    assert (await contract.check(await api.get(listing, headers=stranger["key"]))) == {"recordings": []}
    [listed] = (await contract.check(await api.get(listing, headers=owner["key"])))["recordings"]
    assert (listed["id"], listed["download_url"], listed["is_available"]) == (row["_id"], download, True)
    hosted = await contract.check(await api.get(listing, headers={"x-admin-token": meeting["adminToken"]}))
    assert [r["id"] for r in hosted["recordings"]] == [row["_id"]]

    assert await code(contract, await api.get(download)) == (401, "invalid_api_key")
    assert await code(contract, await api.get(download, headers={"x-admin-token": meeting["adminToken"]})) == (
        401, "invalid_api_key")  # the host token is not the owner
    assert await code(contract, await api.get(download, headers=stranger["key"])) == (404, "recording_not_found")
    assert await code(contract, await api.delete(delete, headers=stranger["key"])) == (404, "recording_not_found")
    for bad in ("0" * 24, "..%2F..%2Fetc%2Fpasswd", "A" * 24, "x" * 65):
        resp = await api.get(f"/api/recordings/{bad}/download", headers=owner["key"])
        assert resp.status == 404, bad
    got = await api.get(download, headers=owner["key"])
    assert got.status == 200 and await got.read() == b"\x1aE\xdf\xa3 webm bytes"
    assert got.headers["Content-Type"] == "video/webm"
    assert got.headers["Content-Disposition"] == (
        f'attachment; filename="recording-{meeting["meetingId"]}-video-camera-{row["_id"][:8]}.webm"; '
        f"filename*=UTF-8''recording-{meeting['meetingId']}-video-camera-{row['_id'][:8]}.webm")

    path = settings.data_dir / "recordings" / row["recording_id"] / f"{row['_id']}.webm"
    path.unlink()
    assert await code(contract, await api.get(download, headers=owner["key"])) == (404, "file_missing")
    [gone] = (await (await api.get(listing, headers=owner["key"])).json())["recordings"]
    assert gone["is_available"] is False
    assert (await api.delete(delete, headers=owner["key"])).status == 200
    assert await code(contract, await api.delete(delete, headers=owner["key"])) == (404, "recording_not_found")
    assert (await (await api.get(listing, headers=owner["key"])).json()) == {"recordings": []}


async def test_company_members_share_their_company_meetings_recordings(api: TestClient, settings: Settings) -> None:
    company = await account(api, accountType="company", companyName="Acme")
    meeting = await create_meeting(api, company["key"], title="Company")
    api.session.cookie_jar.clear()
    me = await user_of(api, company)
    row = await stored(api, settings, meeting, {"user_id": None})
    await api.server.app[SERVICES].database.db.recordings.update_one(
        {"_id": row["_id"]}, {"$set": {"owner_company_id": me["company_id"]}})
    member = await account(api)  # signed in: its session joins the company
    joined = await api.post("/api/company/join", json={"inviteCode": company["inviteCode"]})
    assert joined.status == 200, await joined.text()
    api.session.cookie_jar.clear()
    resp = await api.get(f"/api/recordings/{row['_id']}/download", headers=member["key"])
    assert resp.status == 200, await resp.text()


async def test_retention_deletes_old_files_and_rows_only(start_server: StartServer, settings: Settings) -> None:
    api = await start_server(recording_retention_days=7)
    owner = await account(api)
    meeting = await create_meeting(api, owner["key"], title="Old")
    who = await user_of(api, owner)
    now = int(time.time() * 1000)
    old = await stored(api, settings, meeting, who, ended_ms=now - 8 * DAY_MS)
    fresh = await stored(api, settings, meeting, who, ended_ms=now - 6 * DAY_MS)
    assert await recorder(api).prune(now) == 1
    root: Path = settings.data_dir / "recordings"
    assert not (root / old["recording_id"]).exists()  # its file, then its emptied directory
    assert (root / fresh["recording_id"] / f"{fresh['_id']}.webm").exists()
    rows = (await (await api.get(f"/api/meetings/{meeting['meetingId']}/recordings", headers=owner["key"])).json())
    assert [r["id"] for r in rows["recordings"]] == [fresh["_id"]]
    assert await recorder(api).prune(now + 2 * DAY_MS) == 1


async def test_retention_zero_keeps_everything(start_server: StartServer, settings: Settings) -> None:
    api = await start_server(recording_retention_days=0)
    owner = await account(api)
    meeting = await create_meeting(api, owner["key"], title="Kept")
    await stored(api, settings, meeting, await user_of(api, owner), ended_ms=1)
    assert await recorder(api).prune() == 0


async def test_switching_to_mesh_ends_the_recording(api: TestClient) -> None:
    sfu = await new_meeting(api, title="Switch", mediaMode="sfu")
    api.session.cookie_jar.clear()
    base = f"/api/meetings/{sfu['id']}/recordings"
    async with bots(api, 1) as (watcher,):
        await watcher.join(sfu["id"], "Wes")
        started = await (await api.post(f"{base}/start", headers=sfu["admin"])).json()
        assert started["hostName"] == "Host"
        resp = await api.patch(f"/api/meetings/{sfu['id']}/settings", json={"mediaMode": "mesh"}, headers=sfu["admin"])
        assert resp.status == 200
        assert await watcher.wait_for("recording:stopped", timeout=15) == {"recordingId": started["recordingId"]}
        resp = await api.post(f"{base}/stop", headers=sfu["admin"])
        assert resp.status == 409 and (await resp.json())["code"] == "not_recording"
        rejoined = await watcher.join(sfu["id"], "Wes")
        assert rejoined["isRecording"] is False
