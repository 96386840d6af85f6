"""``MeetingEvent.changes_record``: the server writes a meeting only after events that say so.

So every action whose events all say "no" must leave ``Meeting.to_doc()`` as it was;
otherwise a change would be lost at the next restart. Walk one meeting through every
kind of action and check that after each one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rooms_support import T0

from store.rooms import Meeting, Sid
from store.rooms.events import MeetingEvent

HOST, ANN, BOB, WAITER = Sid("host"), Sid("ann"), Sid("bob"), Sid("waiter")

Action = Callable[[Meeting, str], Any]

ACTIONS: list[tuple[str, Action]] = [
    ("host joins", lambda m, t: m.join(HOST, "Hannah", now_ms=T0, is_admin=True, admin_token=t)),
    ("ann joins", lambda m, t: m.join(ANN, "Ann", now_ms=T0 + 1)),
    ("bob joins", lambda m, t: m.join(BOB, "Bob", now_ms=T0 + 2)),
    ("ann mutes", lambda m, t: m.set_media(ANN, is_muted=True)),
    ("ann shares her screen", lambda m, t: m.set_media(ANN, is_screen_sharing=True)),
    ("ann raises her hand", lambda m, t: m.raise_hand(ANN, True, T0 + 3)),
    ("ann reacts", lambda m, t: m.react(ANN, "👍")),
    ("ann chats", lambda m, t: m.chat(ANN, "hello", None, T0 + 4)),
    ("host starts recording", lambda m, t: m.start_recording(HOST, "Hannah", T0 + 5)),
    ("host stops recording", lambda m, t: m.stop_recording(HOST)),
    ("host mutes bob", lambda m, t: m.mute(m.by_sid(BOB).id)),
    ("host mutes all", lambda m, t: m.mute_all()),
    ("host opens a poll", lambda m, t: m.create_poll(HOST, "Lunch?", ["yes", "no"], T0 + 6)),
    ("ann votes", lambda m, t: m.vote(ANN, next(iter(m.collab.polls.by_id)), "opt_0")),
    ("ann asks", lambda m, t: m.ask(ANN, "Why?", T0 + 7)),
    ("host writes notes", lambda m, t: m.update_notes(HOST, "minutes", T0 + 8)),
    ("host opens breakouts", lambda m, t: m.open_breakouts(HOST, ["A", "B"])),
    ("ann joins a breakout", lambda m, t: m.join_breakout(ANN, "br-0")),
    ("host closes breakouts", lambda m, t: m.close_breakouts(HOST)),
    ("host starts a stream", lambda m, t: m.start_stream(HOST, "rtmp://live/x", T0 + 9)),
    ("host turns the waiting room on", lambda m, t: m.update_settings({"waitingRoom": True})),
    ("a guest waits", lambda m, t: m.waiting_join(WAITER, "Wes", T0 + 10)),
    ("host admits", lambda m, t: m.admit(HOST, WAITER)),
    ("the guest joins", lambda m, t: m.join(WAITER, "Wes", now_ms=T0 + 11)),
    ("host renames the meeting", lambda m, t: m.update_settings({"title": "Renamed"})),
    ("host locks", lambda m, t: m.lock()),
    ("host kicks bob", lambda m, t: m.kick(m.by_sid(BOB).id, "bye", T0 + 12)),
    ("ann leaves", lambda m, t: m.leave(ANN, T0 + 13)),
]


def as_list(result: Any) -> list[MeetingEvent]:
    if result is None:
        return []
    return list(result) if isinstance(result, list) else [result]


def test_a_change_to_the_saved_document_always_comes_with_an_event_that_says_so(
    meeting: Meeting, token: str
) -> None:
    live_only = []
    for name, action in ACTIONS:
        before = meeting.to_doc()
        events = as_list(action(meeting, token))
        flagged = any(ev.changes_record for ev in events)
        assert meeting.to_doc() == before or flagged, f"{name}: the document changed, no event says so"
        if not flagged:
            live_only.append(name)
    # The walk must cover both kinds, or it proves nothing about the flag.
    assert "ann chats" in live_only and "host opens a poll" in live_only
    assert "ann joins" not in live_only and "host renames the meeting" not in live_only
