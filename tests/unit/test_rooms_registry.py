"""Registry: ids, lookups, scheduling, the sid index, ending, and snapshots."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator

import pytest
from rooms_support import APRIL_FIRST_2PM, T0, join

from store.rooms import (
    Meeting,
    MeetingNotFound,
    MeetingScheduled,
    MeetingStatus,
    ParticipantNotFound,
    Registry,
    Settings,
    Sid,
    ValidationError,
)
from store.rooms import ids as ids_module
from store.rooms.events import Kicked, MeetingEnded, ParticipantLeft, RecordingStopped, WaitingRemoved
from store.rooms.ids import new_meeting_id

ID_FORMAT = re.compile(r"^[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{3}$")


def test_meeting_ids_have_the_onepizza_shape(registry: Registry) -> None:
    ids = {registry.create(now_ms=T0)[0].id for _ in range(200)}
    assert len(ids) == 200
    assert all(ID_FORMAT.match(i) for i in ids)


def test_meeting_id_collisions_are_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    draws: Iterator[str] = iter(["aaaa", "bbbb", "cccc", "aaaa", "bbbb", "dddd"])
    monkeypatch.setattr(ids_module.secrets, "token_hex", lambda n: next(draws))
    assert new_meeting_id({"aaa-bbbb-ccc"}) == "aaa-bbbb-ddd"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        (None, "Untitled Meeting"),
        ("  Standup ", "Standup"),
        ("", "Untitled Meeting"),
        (42, "Untitled Meeting"),
        ("t" * 120, "t" * 100),
    ],
)
def test_create_title(registry: Registry, title: object, expected: str) -> None:
    assert registry.create(now_ms=T0, title=title)[0].title == expected


def test_admin_token_is_kept_only_as_a_digest(registry: Registry) -> None:
    meeting, raw = registry.create(now_ms=T0)
    assert meeting.admin_token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in json.dumps(meeting.to_doc())
    assert meeting.admin_token_matches(raw)


@pytest.mark.parametrize("scheduled_at", [T0, T0 - 1])
def test_schedule_must_be_in_the_future(registry: Registry, scheduled_at: int) -> None:
    with pytest.raises(ValidationError, match="scheduledAt must be in the future"):
        registry.create(now_ms=T0, scheduled_at_ms=scheduled_at)
    assert len(registry) == 0


@pytest.mark.parametrize("meeting_id", ["abc-defg-hij", "", None, 12, ["x"]])
def test_get_unknown(registry: Registry, meeting_id: object) -> None:
    registry.create(now_ms=T0)
    with pytest.raises(MeetingNotFound):
        registry.get(meeting_id)


def test_activate_due(registry: Registry) -> None:
    instant, _ = registry.create(now_ms=T0)
    later, _ = registry.create(now_ms=T0, scheduled_at_ms=APRIL_FIRST_2PM)
    assert registry.activate_due(APRIL_FIRST_2PM - 1) == []
    with pytest.raises(MeetingScheduled):
        join(later, "a", now_ms=APRIL_FIRST_2PM - 1)
    assert registry.activate_due(APRIL_FIRST_2PM + 5) == [later]
    assert (later.status, later.created_at_ms) == (MeetingStatus.ACTIVE, APRIL_FIRST_2PM + 5)
    assert instant.created_at_ms == T0
    assert registry.activate_due(APRIL_FIRST_2PM + 10) == []
    join(later, "a", now_ms=APRIL_FIRST_2PM + 6)


def test_sid_index_follows_every_change(registry: Registry) -> None:
    meeting, token = registry.create(now_ms=T0)
    host = join(meeting, "host", is_admin=True, admin_token=token)
    ann = join(meeting, "ann")
    assert registry.by_sid(Sid("ann")) == (meeting, meeting.participants[ann.participant.id])
    again = join(meeting, "ann")
    assert registry.by_sid(Sid("ann"))[1].id == again.participant.id
    meeting.kick(again.participant.id, None, T0)
    assert registry.lookup_sid(Sid("ann")) is None
    with pytest.raises(ParticipantNotFound):
        registry.by_sid(Sid("ann"))
    join(meeting, "ann")
    meeting.leave(Sid("ann"), T0)
    assert registry.lookup_sid(Sid("ann")) is None
    assert registry.by_sid(Sid("host"))[1].id == host.participant.id
    registry.end(meeting.id, "bye", T0)
    assert registry.lookup_sid(Sid("host")) is None
    assert len(meeting.index) == 0


def test_disconnect_leaves_the_meeting(registry: Registry) -> None:
    meeting, token = registry.create(now_ms=T0)
    join(meeting, "host", is_admin=True, admin_token=token)
    meeting.start_recording(Sid("host"), "Hannah", T0)
    events = registry.disconnect(Sid("host"), T0 + 1)
    assert [type(e) for e in events] == [RecordingStopped, ParticipantLeft]
    assert registry.disconnect(Sid("host"), T0 + 2) == []
    assert registry.disconnect(Sid("never-seen"), T0) == []


def test_end_reports_billing_facts_and_frees_sockets(registry: Registry) -> None:
    meeting, token = registry.create(now_ms=T0, title="Sync", owner_id=42, owner_company_id=7)
    join(meeting, "host", is_admin=True, admin_token=token, now_ms=T0 + 1_000)
    join(meeting, "ann", now_ms=T0 + 2_000)
    meeting.update_settings({"waitingRoom": True})
    meeting.waiting_join(Sid("wait"), "Wes", T0)
    ended = registry.end(meeting.id, "Meeting ended by admin", T0 + 30 * 60_000)
    assert isinstance(ended, MeetingEnded)
    assert (ended.reason, ended.title, ended.cancelled, ended.billable) == (
        "Meeting ended by admin",
        "Sync",
        False,
        True,
    )
    assert (ended.duration_ms, ended.peak_participants) == (30 * 60_000, 2)
    assert (ended.owner_id, ended.owner_company_id) == (42, 7)
    assert ended.sids == ("host", "ann") and ended.waiting_sids == ("wait",)
    assert all(r.left_at == T0 + 30 * 60_000 for r in ended.attendance)
    assert meeting.id not in registry
    assert len(meeting.index) == 0
    with pytest.raises(MeetingNotFound):
        registry.get(meeting.id)
    with pytest.raises(MeetingNotFound):
        join(meeting, "late")
    with pytest.raises(MeetingNotFound):
        meeting.end("again", T0)


def test_cancel_scheduled_meeting(registry: Registry) -> None:
    meeting, _ = registry.create(now_ms=T0, scheduled_at_ms=APRIL_FIRST_2PM, owner_id=1)
    ended = registry.end(meeting.id, None, T0 + 5)
    assert (ended.cancelled, ended.duration_ms, ended.billable, ended.reason) == (True, 0, False, "Meeting ended")


def test_guest_meetings_are_never_billed(registry: Registry) -> None:
    meeting, _ = registry.create(now_ms=T0, is_guest=True)
    assert registry.end(meeting.id, "x", T0 + 60_000).billable is False


def test_remove_releases_bound_sockets(registry: Registry) -> None:
    meeting, _ = registry.create(now_ms=T0)
    join(meeting, "a")
    assert registry.remove(meeting.id) is meeting
    assert registry.lookup_sid(Sid("a")) is None
    assert registry.remove(meeting.id) is None


def _busy_meeting(registry: Registry) -> tuple[Meeting, str, str]:
    settings = Settings.from_wire({"muteOnJoin": True, "maxParticipants": 12, "waitingRoom": True, "mediaMode": "sfu"})
    meeting, token = registry.create(now_ms=T0, title="Sync", settings=settings, owner_id="u1", owner_company_id=None)
    join(meeting, "host", "Hannah", is_admin=True, admin_token=token)
    invite = meeting.create_invite(T0, 3_600_000)
    ann = join(meeting, "ann", "Ann", invite_token=meeting.create_invite(T0, 60_000)).participant
    meeting.kick(ann.id, None, T0 + 10)
    return meeting, token, invite


def test_doc_round_trip(registry: Registry) -> None:
    meeting, token, invite = _busy_meeting(registry)
    doc = meeting.to_doc()
    assert json.loads(json.dumps(doc)) == doc
    assert doc["_id"] == meeting.id and doc["status"] == "active" and doc["peak_participants"] == 2
    assert "participants" not in doc
    restored = Meeting.from_doc(doc)
    assert restored.to_doc() == doc
    assert restored.settings == meeting.settings and restored.attendance == meeting.attendance
    assert restored.participants == {} and restored.waiting.count == 0
    assert restored.admin_token_matches(token)
    join(restored, "bob", invite_token=invite)  # the invite survived the restart


def test_snapshot_and_restore(registry: Registry) -> None:
    kept, _, _ = _busy_meeting(registry)
    scheduled, _ = registry.create(now_ms=T0, scheduled_at_ms=APRIL_FIRST_2PM)
    registry.create(now_ms=T0, is_guest=True)
    docs = registry.snapshot()
    assert [d["_id"] for d in docs] == [kept.id, scheduled.id]

    fresh = Registry()
    ended_doc = {**docs[0], "_id": "fff-ffff-fff", "status": "ended"}
    restored = fresh.restore([*docs, ended_doc, docs[0]])
    assert [m.id for m in restored] == [kept.id, scheduled.id]
    assert fresh.get(scheduled.id).status is MeetingStatus.SCHEDULED
    back = fresh.get(kept.id)
    joined = join(back, "carl", invite_token=back.create_invite(T0, 1_000))
    assert fresh.by_sid(Sid("carl"))[1].id == joined.participant.id  # restored meetings share the index


def test_registry_iterates_in_creation_order(registry: Registry) -> None:
    made = [registry.create(now_ms=T0)[0] for _ in range(5)]
    assert list(registry) == made and len(registry) == 5
    assert made[0].id in registry and None not in registry


def test_waiting_removed_event_on_registry_disconnect(registry: Registry) -> None:
    meeting, _ = registry.create(now_ms=T0, settings=Settings(waiting_room=True))
    meeting.waiting_join(Sid("w"), "Wes", T0)
    assert registry.disconnect(Sid("w"), T0) == [WaitingRemoved(meeting.id, Sid("w"), "Wes", 0)]


def test_kick_events_carry_the_target_socket(registry: Registry) -> None:
    meeting, _ = registry.create(now_ms=T0)
    target = join(meeting, "a", "Ann").participant
    kicked = meeting.kick(target.id, "Spam", T0)[0]
    assert isinstance(kicked, Kicked) and (kicked.participant.sid, kicked.reason) == ("a", "Spam")
