"""Polls, questions, notes and attendance over REST (contract §3.7), against a real server and real sockets.

The rules are the socket events' (``store/rooms/collab.py``); these tests check the REST shapes and texts,
the auth model of docs/COMPATIBILITY.md, and that sockets hear REST actions exactly as socket ones.
"""
from __future__ import annotations

import re
from typing import Any

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from tests.meetings.support import Bot, account, bots, create_meeting, quiet

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


async def answer(resp: ClientResponse, status: int) -> Any:
    body = await resp.json()
    assert resp.status == status, body
    return body


async def refused(resp: ClientResponse, status: int, message: str) -> None:
    assert (await answer(resp, status))["error"] == message


async def keyed_meeting(api: TestClient, **fields: Any) -> tuple[dict[str, str], dict[str, Any], str]:
    """An account's key headers, a meeting of it, and the meeting's base path; the cookie jar is left empty."""
    owner = await account(api)
    meeting = await create_meeting(api, owner["key"], title="Collab REST", **fields)
    api.session.cookie_jar.clear()
    return owner["key"], meeting, f"/api/meetings/{meeting['meetingId']}"


async def seat(meeting: dict[str, Any], host: Bot, *guests: tuple[Bot, str]) -> list[str]:
    """The host joins with the admin token, then each guest; returns their participant ids."""
    ids = [(await host.join(meeting["meetingId"], "Hannah", isAdmin=True, adminToken=meeting["adminToken"]))[
        "participantId"]]
    for bot, name in guests:
        ids.append((await bot.join(meeting["meetingId"], name))["participantId"])
    return ids


# -- attendance ---------------------------------------------------------------------------------


async def test_attendance_json_and_csv_with_the_admin_token_alone(api: TestClient) -> None:
    key, meeting, base = await keyed_meeting(api)
    token = {"x-admin-token": meeting["adminToken"]}  # what the original meeting page sends
    async with bots(api, 3) as (host, ann, mallory):
        host_id, ann_id, mallory_id = await seat(meeting, host, (ann, 'Ann "A"'), (mallory, "=HYPERLINK(1)"))
        await ann.sio.emit("leave-meeting")
        await host.wait_for("participant:left")
        report = await answer(await api.get(f"{base}/attendance", headers=token), 200)
        assert (report["meetingId"], report["title"]) == (meeting["meetingId"], "Collab REST")
        rows = {row["participantId"]: row for row in report["attendance"]}
        assert list(rows) == [host_id, ann_id, mallory_id]
        assert rows[ann_id]["name"] == 'Ann "A"' and ISO.match(rows[ann_id]["leftAt"])
        assert rows[host_id]["leftAt"] is None and ISO.match(rows[host_id]["joinedAt"])
        assert all(isinstance(row["durationSeconds"], int) and row["durationSeconds"] >= 0 for row in rows.values())

        resp = await api.get(f"{base}/attendance/download", headers={**key, **token})
        assert resp.status == 200 and resp.content_type == "text/csv" and resp.charset == "utf-8"
        filename = f"attendance-{meeting['meetingId']}.csv"
        assert resp.headers["Content-Disposition"] == f'attachment; filename="{filename}"'
        lines = (await resp.text()).split("\n")
        assert lines[0] == "Name,Joined,Left,Duration (seconds)" and len(lines) == 4
        assert lines[1].startswith('"Hannah","') and ',"Still in meeting",' in lines[1]
        assert lines[2].startswith('"Ann ""A""","') and "Still in meeting" not in lines[2]
        assert lines[3].startswith('"\'=HYPERLINK(1)","')  # a spreadsheet shows it as text, never runs it


async def test_attendance_errors(api: TestClient) -> None:
    key, meeting, base = await keyed_meeting(api)
    for path in (f"{base}/attendance", f"{base}/attendance/download"):
        await refused(await api.get(path), 403, "Admin token required")
        await refused(await api.get(path, headers=key), 403, "Admin token required")  # the key is not the host
        await refused(await api.get(path, headers={"x-admin-token": "guess"}), 403, "Admin token required")
        await refused(await api.get(path, headers={"x-api-key": "mk_bad", "x-admin-token": meeting["adminToken"]}),
                      401, "Invalid or missing API key")
        missing = path.replace(meeting["meetingId"], "000-0000-000")
        await refused(await api.get(missing, headers=meeting["admin"]), 404, "Meeting not found")


# -- polls --------------------------------------------------------------------------------------


async def test_polls_over_rest_reach_sockets_and_agree_with_socket_votes(api: TestClient) -> None:
    key, meeting, base = await keyed_meeting(api)
    admin = {"x-admin-token": meeting["adminToken"]}
    async with bots(api, 2) as (host, ann):
        _, ann_id = await seat(meeting, host, (ann, "Ann"))
        created = await answer(await api.post(f"{base}/polls", json={"question": " Lunch? ", "options": ["Pizza", "Sushi"]},
                                              headers=admin), 201)
        options = [{"id": "opt_0", "text": "Pizza"}, {"id": "opt_1", "text": "Sushi"}]
        assert created == {"pollId": created["pollId"], "question": "Lunch?", "options": options}
        poll_id, votes = created["pollId"], f"{base}/polls/{created['pollId']}/vote"
        assert await ann.wait_for("poll:created") == {"id": poll_id, "question": "Lunch?", "options": options,
                                                      "isActive": True}

        # Ann votes by socket, then by REST (as herself: her vote changes), then the key's user votes.
        await ann.sio.emit("poll:vote", {"pollId": poll_id, "optionId": "opt_0"})
        await host.wait_for("poll:updated")
        assert await answer(await api.post(votes, json={"optionId": "opt_1", "participantId": ann_id}, headers=key),
                            200) == {"voted": True}
        assert (await host.wait_for("poll:updated", 2))["totalVotes"] == 1
        await answer(await api.post(votes, json={"optionId": "opt_1", "participantId": "nobody"}, headers=key), 200)
        await answer(await api.post(votes, json={"optionId": "opt_0"}, headers=key), 200)  # the same user: a change
        await ann.sio.emit("poll:vote", {"pollId": poll_id, "optionId": "opt_1"})  # the same as her REST vote
        fifth = await ann.wait_for("poll:updated", 5)
        assert fifth == {"pollId": poll_id, "totalVotes": 2, "results": [
            {"id": "opt_0", "text": "Pizza", "count": 1}, {"id": "opt_1", "text": "Sushi", "count": 1}]}

        listed = await answer(await api.get(f"{base}/polls", headers=key), 200)
        assert listed == {"polls": [{"id": poll_id, "question": "Lunch?", "options": options, "isActive": True,
                                     "totalVotes": 2, "results": fifth["results"]}]}
        ended = await answer(await api.post(f"{base}/polls/{poll_id}/end", headers=admin), 200)
        assert ended == fifth and await ann.wait_for("poll:ended") == fifth
        assert (await answer(await api.get(f"{base}/polls", headers=admin), 200))["polls"][0]["isActive"] is False
        await refused(await api.post(votes, json={"optionId": "opt_0"}, headers=key), 400, "Poll is closed")
        assert await answer(await api.post(f"{base}/polls/{poll_id}/end", headers=admin), 200) == fifth  # again
        await quiet()
        assert ann.names().count("poll:updated") == 5 and ann.names().count("poll:ended") == 2


async def test_poll_errors(api: TestClient) -> None:
    key, meeting, base = await keyed_meeting(api)
    admin = meeting["admin"]
    created = await answer(await api.post(f"{base}/polls", json={"question": "Q", "options": ["a", "b"]},
                                          headers=admin), 201)
    votes = f"{base}/polls/{created['pollId']}/vote"
    for bad in ({}, {"question": "Q", "options": ["a"]}, {"question": "Q", "options": ["a"] * 11},
                {"question": "   ", "options": ["a", "b"]}, {"question": "Q", "options": ["a", " "]},
                {"question": "Q", "options": ["a", {"x": 1}]}, {"question": "Q", "options": "ab"}):
        await refused(await api.post(f"{base}/polls", json=bad, headers=admin), 400, "Provide question and 2-10 options")
    await refused(await api.post(f"{base}/polls", json={"question": "Q", "options": ["a", "b"]}, headers=key),
                  403, "Admin token required")
    await refused(await api.post(f"{base}/polls/{created['pollId']}/end", headers=key), 403, "Admin token required")
    await refused(await api.post(f"{base}/polls/nope/end", headers=admin), 404, "Poll not found")
    await refused(await api.post(f"{base}/polls/nope/vote", json={"optionId": "opt_0"}, headers=key), 404,
                  "Poll not found")
    for option in ("opt_2", None, 0, "a"):
        await refused(await api.post(votes, json={"optionId": option}, headers=key), 400, "Invalid option")
    for _ in range(49):
        await answer(await api.post(f"{base}/polls", json={"question": "Q", "options": ["a", "b"]}, headers=admin), 201)
    capped = await answer(await api.post(f"{base}/polls", json={"question": "Q", "options": ["a", "b"]},
                                         headers=admin), 409)
    assert capped == {"error": "Too many polls in this meeting (max 50)", "code": "limit_reached"}
    assert len((await answer(await api.get(f"{base}/polls", headers=key), 200))["polls"]) == 50


# -- questions ----------------------------------------------------------------------------------


async def test_questions_over_rest_reach_sockets(api: TestClient) -> None:
    key, meeting, base = await keyed_meeting(api)
    admin = {"x-admin-token": meeting["adminToken"]}
    async with bots(api, 2) as (host, ann):
        _, ann_id = await seat(meeting, host, (ann, "Ann"))
        first = await answer(await api.post(f"{base}/questions", json={"text": " Why? ", "participantName": "Dana"},
                                            headers=key), 201)
        qid = first["questionId"]
        new = await ann.wait_for("qa:new")
        assert new == {"id": qid, "text": "Why?", "askedBy": {"name": "Dana"}, "upvoteCount": 0,
                       "isAnswered": False, "createdAt": new["createdAt"]}
        await ann.sio.emit("qa:ask", {"text": "How?"})
        second = (await host.wait_for("qa:new", 2))["id"]

        upvote = f"{base}/questions/{second}/upvote"
        assert await answer(await api.post(upvote, headers=key), 200) == {"upvoteCount": 1}
        assert await ann.wait_for("qa:updated") == {"questionId": second, "upvoteCount": 1}
        assert await answer(await api.post(upvote, json={"participantId": ann_id}, headers=key), 200) == {
            "upvoteCount": 2}
        await ann.sio.emit("qa:upvote", {"questionId": second})  # Ann again, by socket: the toggle takes hers back
        assert (await host.wait_for("qa:updated", 3))["upvoteCount"] == 1
        assert await answer(await api.post(upvote, headers=key), 200) == {"upvoteCount": 0}  # toggles

        await api.post(f"{base}/questions/{qid}/upvote", headers=admin)  # by host token alone: voter "api"
        listed = (await answer(await api.get(f"{base}/questions", headers=key), 200))["questions"]
        assert [(q["id"], q["upvoteCount"]) for q in listed] == [(qid, 1), (second, 0)]
        assert listed[1]["askedBy"] == {"participantId": ann_id, "name": "Ann"}
        assert (listed[0]["answer"], listed[0]["answeredBy"], listed[0]["isAnswered"]) == (None, None, False)

        assert await answer(await api.post(f"{base}/questions/{qid}/answer", json={"answer": "Because"},
                                           headers=admin), 200) == {"answered": True}
        assert await ann.wait_for("qa:updated", 6) == {"questionId": qid, "isAnswered": True, "answer": "Because",
                                                       "answeredBy": "Host"}
        assert await answer(await api.post(f"{base}/questions/{second}/dismiss", headers=admin), 200) == {
            "dismissed": True}
        assert await ann.wait_for("qa:updated", 7) == {"questionId": second, "dismissed": True}
        listed = (await answer(await api.get(f"{base}/questions", headers=admin), 200))["questions"]
        assert [(q["id"], q["answer"], q["answeredBy"]) for q in listed] == [(qid, "Because", "Host")]


async def test_question_errors(api: TestClient) -> None:
    key, meeting, base = await keyed_meeting(api)
    admin = meeting["admin"]
    for bad in ({}, {"text": ""}, {"text": "   "}, {"text": 5}):
        await refused(await api.post(f"{base}/questions", json=bad, headers=key), 400, "text required")
    qid = (await answer(await api.post(f"{base}/questions", json={"text": "Q"}, headers=key), 201))["questionId"]
    for action in ("upvote", "answer", "dismiss"):
        await refused(await api.post(f"{base}/questions/nope/{action}", headers=admin), 404, "Question not found")
    for action in ("answer", "dismiss"):
        await refused(await api.post(f"{base}/questions/{qid}/{action}", headers=key), 403, "Admin token required")
    listed = (await answer(await api.get(f"{base}/questions", headers=key), 200))["questions"]
    assert listed[0]["askedBy"] == {"name": "Anonymous"} and not listed[0]["isAnswered"]
    for _ in range(499):
        await api.post(f"{base}/questions", json={"text": "Q"}, headers=key)
    await refused(await api.post(f"{base}/questions", json={"text": "Q"}, headers=key), 409,
                  "Too many questions in this meeting (max 500)")


# -- notes --------------------------------------------------------------------------------------


async def test_notes_over_rest_go_to_the_whole_room_as_host(api: TestClient) -> None:
    key, meeting, base = await keyed_meeting(api)
    admin = {"x-admin-token": meeting["adminToken"]}
    assert await answer(await api.get(f"{base}/notes", headers=key), 200) == {
        "content": "", "lastUpdatedBy": "", "lastUpdatedAt": None}
    async with bots(api, 2) as (host, ann):
        await seat(meeting, host, (ann, "Ann"))
        assert await answer(await api.put(f"{base}/notes", json={"content": "Agenda"}, headers=admin), 200) == {
            "updated": True}
        expected = {"content": "Agenda", "lastUpdatedBy": "Host"}
        assert await host.wait_for("notes:updated") == expected == await ann.wait_for("notes:updated")
        notes = await answer(await api.get(f"{base}/notes", headers=key), 200)
        assert (notes["content"], notes["lastUpdatedBy"]) == ("Agenda", "Host")
        assert isinstance(notes["lastUpdatedAt"], int)
        await host.sio.emit("notes:update", {"content": "By socket"})
        await ann.wait_for("notes:updated", 2)
        assert (await answer(await api.get(f"{base}/notes", headers=admin), 200))["lastUpdatedBy"] == "Hannah"
    await answer(await api.put(f"{base}/notes", json={"content": "x" * 60_000}, headers=admin), 200)
    assert len((await answer(await api.get(f"{base}/notes", headers=key), 200))["content"]) == 50_000
    for bad in ({}, {"content": 5}, {"content": None}):
        await refused(await api.put(f"{base}/notes", json=bad, headers=admin), 400, "content required")
    await refused(await api.put(f"{base}/notes", json={"content": "x"}, headers=key), 403, "Admin token required")


# -- who may call -------------------------------------------------------------------------------


async def test_reads_and_participant_writes_are_tenant_scoped(api: TestClient) -> None:
    key, meeting, base = await keyed_meeting(api)
    stranger = (await account(api))["key"]
    api.session.cookie_jar.clear()
    poll = await answer(await api.post(f"{base}/polls", json={"question": "Q", "options": ["a", "b"]},
                                       headers=meeting["admin"]), 201)
    calls = [("GET", f"{base}/polls", None), ("GET", f"{base}/questions", None), ("GET", f"{base}/notes", None),
             ("POST", f"{base}/questions", {"text": "Q"}),
             ("POST", f"{base}/polls/{poll['pollId']}/vote", {"optionId": "opt_0"})]
    for method, path, body in calls:
        await refused(await api.request(method, path, json=body, headers=stranger), 404, "Meeting not found")
        await refused(await api.request(method, path, json=body), 401, "Invalid or missing API key")
        await refused(await api.request(method, path, json=body, headers={"x-admin-token": "guess"}), 401,
                      "Invalid or missing API key")
        await refused(await api.request(method, path, json=body, headers={"x-api-key": "mk_bad"}), 401,
                      "Invalid or missing API key")
        missing = path.replace(meeting["meetingId"], "000-0000-000")
        await refused(await api.request(method, missing, json=body, headers=key), 404, "Meeting not found")
        # The meeting's host token opens it, alone or beside another tenant's key.
        assert (await api.request(method, path, json=body, headers={"x-admin-token": meeting["adminToken"]})).ok
        assert (await api.request(method, path, json=body, headers={**stranger, "x-admin-token": meeting["adminToken"]})).ok
        assert (await api.request(method, path, json=body, headers=key)).ok
    # The owner's dashboard session works too.
    owner = await account(api)
    own = await create_meeting(api, owner["key"])
    assert (await api.get(f"/api/meetings/{own['meetingId']}/questions")).status == 200  # the register cookie
    assert (await api.get(f"{base}/questions")).status == 404  # another tenant's, by session


async def test_a_scheduled_meeting_has_no_polls_yet(api: TestClient) -> None:
    key, meeting, base = await keyed_meeting(api, scheduledAt="2099-04-01T14:00:00Z")
    await refused(await api.get(f"{base}/polls", headers=key), 404, "Meeting not found")
    await refused(await api.post(f"{base}/polls", json={"question": "Q", "options": ["a", "b"]},
                                 headers=meeting["admin"]), 404, "Meeting not found")
