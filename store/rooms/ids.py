"""Identifier types and generators.

Three kinds of id travel through a meeting and must never be mixed up: the
meeting id (public, in join URLs), the participant id (stable for one stay in
a meeting, shown to other clients) and the Socket.IO session id (one
connection). ``NewType`` lets the type checker keep them apart at no runtime
cost.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Container
from typing import NewType

MeetingId = NewType("MeetingId", str)
ParticipantId = NewType("ParticipantId", str)
Sid = NewType("Sid", str)


def new_meeting_id(taken: Container[str]) -> MeetingId:
    """A fresh ``xxx-xxxx-xxx`` id (lowercase hex), as onepizza formats them.

    The original never checked for collisions; with 40 bits of randomness
    they are rare but not impossible, so we retry against ``taken``.
    """
    while True:
        candidate = f"{secrets.token_hex(2)[:3]}-{secrets.token_hex(2)}-{secrets.token_hex(2)[:3]}"
        if candidate not in taken:
            return MeetingId(candidate)


def new_participant_id() -> ParticipantId:
    """A uuid4 string, the format clients have seen from onepizza."""
    return ParticipantId(str(uuid.uuid4()))


def new_message_id() -> str:
    """A uuid4 string for chat messages (clients reply by this id)."""
    return str(uuid.uuid4())


OwnerId = int | str
"""An account or company id from the durable store; opaque to the registry."""
