"""The seminar wire protocol: one pydantic model per JSON message, version ``PROTOCOL_VERSION``.

Every message is a JSON object with ``"v"`` (the protocol version) and ``"type"``. Input from the
network is parsed with :func:`parse_client_message` (``extra="forbid"``: an unknown field is an
error, never silently dropped). Room state changes travel as sequence-numbered ``update``
messages whose ``change`` is one of the ``*Change`` models; a client applies each ``seq`` once.
``docs/seminar-protocol.md`` documents every message with examples.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

__all__ = [
    "PROTOCOL_VERSION",
    "AckMessage",
    "BeaconChange",
    "BeaconClearCommand",
    "BeaconCommand",
    "BeaconPoint",
    "BlankChange",
    "BlankCommand",
    "Change",
    "ClientMessage",
    "Command",
    "CreateSessionMessage",
    "EndSessionCommand",
    "EndedChange",
    "ErrorMessage",
    "GlowChange",
    "JoinMessage",
    "LessonOutcomeMessage",
    "OrganizerHelloMessage",
    "OrganizerWelcomeMessage",
    "PauseChange",
    "PauseCommand",
    "PollChange",
    "PollCloseCommand",
    "PollInfo",
    "PollOpenCommand",
    "ProtocolError",
    "PushSceneCommand",
    "RoomSnapshot",
    "RosterEntry",
    "RosterMessage",
    "SceneChange",
    "SceneTarget",
    "SessionInfo",
    "TallyMessage",
    "TimerChange",
    "TimerInfo",
    "TimerStartCommand",
    "TimerStopCommand",
    "UpdateMessage",
    "VoteAckMessage",
    "VoteMessage",
    "WelcomeMessage",
    "dump_message",
    "parse_client_message",
    "parse_server_message",
]

PROTOCOL_VERSION = 1

Version = Literal[1]
Identifier = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]
RequestId = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_\-]+$")]
RoomCode = Annotated[str, Field(min_length=4, max_length=12)]
Coordinate = Annotated[float, Field(ge=-1000.0, le=1000.0, allow_inf_nan=False)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProtocolError(ValueError):
    """A message that is not valid JSON or does not match any model of the protocol."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


# -- shared pieces of state -----------------------------------------------------------------


class SceneTarget(_Model):
    """Where the organizer sends everyone: a narrative (optionally a scene in it) or a lesson."""

    kind: Literal["narrative", "lesson"]
    ref: Identifier
    scene: Identifier | None = None


class BeaconPoint(_Model):
    """A glowing marker that draws everyone's attention to a spot in the garden (metres)."""

    x: Coordinate
    y: Coordinate
    z: Coordinate
    label: Annotated[str, Field(max_length=60)] = ""


class PollInfo(_Model):
    poll_id: Identifier
    question: ShortText
    options: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=80)]], Field(min_length=2, max_length=8)
    ]
    open: bool


class TimerInfo(_Model):
    """A discussion timer: started at server time ``started_at`` (Unix seconds) for ``seconds``."""

    started_at: float
    seconds: Annotated[int, Field(ge=1, le=4 * 3600)]


class RoomSnapshot(_Model):
    """Everything a participant renders; ``seq`` is the last update folded into it."""

    seq: int = 0
    scene: SceneTarget | None = None
    paused: bool = False
    blank: bool = False
    beacon: BeaconPoint | None = None
    poll: PollInfo | None = None
    timer: TimerInfo | None = None
    glow: Annotated[float, Field(ge=0.0, le=1.0)] = 0.0
    completions: int = 0
    ended: bool = False


class SessionInfo(_Model):
    session_id: Identifier
    code: RoomCode
    title: ShortText
    created_at: float
    expires_at: float
    ended: bool = False
    report_key: str | None = None


class RosterEntry(_Model):
    participant_id: Identifier
    nickname: str
    connected: bool
    joined_at: float


# -- changes: the sequence-numbered updates to room state ------------------------------------


class SceneChange(_Model):
    kind: Literal["scene"] = "scene"
    scene: SceneTarget


class PauseChange(_Model):
    kind: Literal["paused"] = "paused"
    paused: bool


class BlankChange(_Model):
    kind: Literal["blank"] = "blank"
    blank: bool


class BeaconChange(_Model):
    kind: Literal["beacon"] = "beacon"
    beacon: BeaconPoint | None


class PollChange(_Model):
    kind: Literal["poll"] = "poll"
    poll: PollInfo | None


class TimerChange(_Model):
    kind: Literal["timer"] = "timer"
    timer: TimerInfo | None


class GlowChange(_Model):
    kind: Literal["glow"] = "glow"
    glow: Annotated[float, Field(ge=0.0, le=1.0)]
    completions: int


class EndedChange(_Model):
    kind: Literal["ended"] = "ended"


Change = Annotated[
    SceneChange
    | PauseChange
    | BlankChange
    | BeaconChange
    | PollChange
    | TimerChange
    | GlowChange
    | EndedChange,
    Field(discriminator="kind"),
]


# -- organizer commands ----------------------------------------------------------------------


class _Command(_Model):
    v: Version = 1
    request_id: RequestId


class PushSceneCommand(_Command):
    type: Literal["push_scene"] = "push_scene"
    scene: SceneTarget


class PauseCommand(_Command):
    type: Literal["pause"] = "pause"
    paused: bool


class BlankCommand(_Command):
    type: Literal["blank"] = "blank"
    blank: bool


class BeaconCommand(_Command):
    type: Literal["beacon"] = "beacon"
    beacon: BeaconPoint


class BeaconClearCommand(_Command):
    type: Literal["beacon_clear"] = "beacon_clear"


class PollOpenCommand(_Command):
    type: Literal["poll_open"] = "poll_open"
    question: ShortText
    options: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=80)]], Field(min_length=2, max_length=8)
    ]


class PollCloseCommand(_Command):
    type: Literal["poll_close"] = "poll_close"


class TimerStartCommand(_Command):
    type: Literal["timer_start"] = "timer_start"
    seconds: Annotated[int, Field(ge=1, le=4 * 3600)]


class TimerStopCommand(_Command):
    type: Literal["timer_stop"] = "timer_stop"


class EndSessionCommand(_Command):
    type: Literal["end_session"] = "end_session"


Command = (
    PushSceneCommand
    | PauseCommand
    | BlankCommand
    | BeaconCommand
    | BeaconClearCommand
    | PollOpenCommand
    | PollCloseCommand
    | TimerStartCommand
    | TimerStopCommand
    | EndSessionCommand
)


# -- other client messages -------------------------------------------------------------------


class JoinMessage(_Model):
    """A participant joins (or rejoins) a room; nothing but a nickname identifies them."""

    v: Version = 1
    type: Literal["join"] = "join"
    code: RoomCode
    nickname: Annotated[str, Field(min_length=1, max_length=200)]
    participant_id: Identifier | None = None
    secret: Annotated[str, Field(max_length=64)] | None = None
    last_seq: Annotated[int, Field(ge=0)] = 0


class OrganizerHelloMessage(_Model):
    v: Version = 1
    type: Literal["organizer"] = "organizer"
    token: Annotated[str, Field(max_length=128)]
    session_id: Identifier | None = None


class CreateSessionMessage(_Model):
    v: Version = 1
    type: Literal["create_session"] = "create_session"
    request_id: RequestId
    title: ShortText


class VoteMessage(_Model):
    v: Version = 1
    type: Literal["vote"] = "vote"
    poll_id: Identifier
    option: Annotated[int, Field(ge=0, le=7)]


class LessonOutcomeMessage(_Model):
    """A participant finished (or gave up on) a lesson; completions make the shared glow rise."""

    v: Version = 1
    type: Literal["lesson_outcome"] = "lesson_outcome"
    lesson: Identifier
    completed: bool
    score: Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)] | None = None


ClientMessage = Annotated[
    JoinMessage
    | OrganizerHelloMessage
    | CreateSessionMessage
    | VoteMessage
    | LessonOutcomeMessage
    | PushSceneCommand
    | PauseCommand
    | BlankCommand
    | BeaconCommand
    | BeaconClearCommand
    | PollOpenCommand
    | PollCloseCommand
    | TimerStartCommand
    | TimerStopCommand
    | EndSessionCommand,
    Field(discriminator="type"),
]


# -- server messages -------------------------------------------------------------------------


class UpdateMessage(_Model):
    v: Version = 1
    type: Literal["update"] = "update"
    seq: int
    at: float
    change: Change


class WelcomeMessage(_Model):
    """Sent on every (re)join: the snapshot plus any updates after the client's ``last_seq``."""

    v: Version = 1
    type: Literal["welcome"] = "welcome"
    participant_id: Identifier
    secret: str
    nickname: str
    session: SessionInfo
    state: RoomSnapshot
    missed: list[UpdateMessage] = []
    vote: int | None = None
    server_time: float


class OrganizerWelcomeMessage(_Model):
    v: Version = 1
    type: Literal["organizer_welcome"] = "organizer_welcome"
    sessions: list[SessionInfo]
    session: SessionInfo | None = None
    state: RoomSnapshot | None = None
    join_url: str | None = None
    server_time: float


class AckMessage(_Model):
    v: Version = 1
    type: Literal["ack"] = "ack"
    request_id: str
    seq: int | None = None
    session: SessionInfo | None = None


class TallyMessage(_Model):
    v: Version = 1
    type: Literal["tally"] = "tally"
    poll_id: str
    counts: list[int]
    voters: int


class RosterMessage(_Model):
    v: Version = 1
    type: Literal["roster"] = "roster"
    participants: list[RosterEntry]


class VoteAckMessage(_Model):
    v: Version = 1
    type: Literal["vote_ack"] = "vote_ack"
    poll_id: str
    option: int


class ErrorMessage(_Model):
    """``code`` is stable (``bad_code``, ``bad_token``, ``malformed``, ``rate_limited``...)."""

    v: Version = 1
    type: Literal["error"] = "error"
    code: str
    message: str
    fatal: bool = False


ServerMessage = Annotated[
    UpdateMessage
    | WelcomeMessage
    | OrganizerWelcomeMessage
    | AckMessage
    | TallyMessage
    | RosterMessage
    | VoteAckMessage
    | ErrorMessage,
    Field(discriminator="type"),
]

_CLIENT: TypeAdapter[Any] = TypeAdapter(ClientMessage)
_SERVER: TypeAdapter[Any] = TypeAdapter(ServerMessage)


def _parse(adapter: TypeAdapter[Any], data: str | bytes) -> Any:
    try:
        raw = json.loads(data)
    except (ValueError, RecursionError) as error:
        raise ProtocolError("malformed", f"not JSON: {error}") from None
    if not isinstance(raw, dict):
        raise ProtocolError("malformed", "a message is a JSON object")
    version = raw.get("v")
    if version != PROTOCOL_VERSION:
        raise ProtocolError(
            "version", f"protocol version {version!r} is not supported (this server speaks 1)"
        )
    try:
        return adapter.validate_python(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ProtocolError("malformed", f"{where}: {first['msg']}") from None


def parse_client_message(data: str | bytes) -> Any:
    """Parse one message from a client; raises :class:`ProtocolError` with a stable code."""
    return _parse(_CLIENT, data)


def parse_server_message(data: str | bytes) -> Any:
    """Parse one message from the server (used by the participant and organizer clients)."""
    return _parse(_SERVER, data)


def dump_message(message: BaseModel) -> str:
    return message.model_dump_json()
