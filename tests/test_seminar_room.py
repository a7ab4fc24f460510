"""The seminar's pure core: protocol parsing, the room state machine, codes and nicknames."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.seminar.follow import follow_view
from engine.seminar.identity import (
    CODE_ALPHABET,
    NicknameRefused,
    clean_nickname,
    hash_secret,
    new_code,
    normalise_code,
    secret_matches,
)
from engine.seminar.link import SeminarState
from engine.seminar.protocol import (
    BeaconClearCommand,
    BeaconCommand,
    BeaconPoint,
    BlankCommand,
    Command,
    EndSessionCommand,
    JoinMessage,
    PauseCommand,
    PollCloseCommand,
    PollOpenCommand,
    ProtocolError,
    PushSceneCommand,
    RoomSnapshot,
    SceneTarget,
    TallyMessage,
    TimerStartCommand,
    TimerStopCommand,
    UpdateMessage,
    VoteMessage,
    parse_client_message,
    parse_server_message,
)
from engine.seminar.room import RoomRuleError, apply_change, changes_for, glow_for, timer_remaining
from engine.seminar.settings import RateLimiter


def test_codes_avoid_look_alikes_and_are_typed_forgivingly() -> None:
    assert not set("0O1lI") & set(CODE_ALPHABET)
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(code) == 6 and set(code) <= set(CODE_ALPHABET) for code in codes)
    assert normalise_code(" abc-def ") == "ABCDEF"
    for bad in ("ABCDE0", "ABCDEFG", "ABC", "ABCDEI", "ABCD1F", ""):
        assert normalise_code(bad) is None


def test_nicknames_keep_letters_and_drop_control_characters() -> None:
    assert clean_nickname("  Tomás  ") == "Tomás"
    assert clean_nickname("Mia\x00\x1b\u202e\u200b Li") == "Mia Li"
    assert clean_nickname("a\tb\nc") == "a b c"
    assert clean_nickname("Ｍｉａ") == "Mia"  # NFKC folds full-width letters
    assert len(clean_nickname("x" * 500)) == 20
    for empty in ("", "   ", "\x07\u200b", "\u202e"):
        with pytest.raises(NicknameRefused):
            clean_nickname(empty)


def test_secrets_compare_by_hash() -> None:
    digest = hash_secret("s3cret")
    assert secret_matches("s3cret", digest)
    assert not secret_matches("s3cre", digest)


def test_protocol_refuses_unknown_fields_versions_and_junk() -> None:
    good = {"v": 1, "type": "join", "code": "ABCDEF", "nickname": "Mia"}
    assert isinstance(parse_client_message(json.dumps(good)), JoinMessage)
    cases = {
        "not json": "{",
        "not an object": "[1, 2]",
        "extra field": json.dumps({**good, "admin": True}),
        "wrong version": json.dumps({**good, "v": 2}),
        "unknown type": json.dumps({"v": 1, "type": "shutdown"}),
        "bad option": json.dumps({"v": 1, "type": "vote", "poll_id": "p", "option": 99}),
        "nan": '{"v": 1, "type": "beacon", "request_id": "r", "beacon": '
        '{"x": NaN, "y": 0, "z": 0}}',
        "deep": "[" * 100000,
        "server message": json.dumps({"v": 1, "type": "ended"}),
    }
    for name, raw in cases.items():
        with pytest.raises(ProtocolError) as refused:
            parse_client_message(raw)
        assert refused.value.code in ("malformed", "version"), name
    vote = parse_client_message('{"v": 1, "type": "vote", "poll_id": "poll3", "option": 1}')
    assert vote == VoteMessage(poll_id="poll3", option=1)


def test_server_messages_round_trip() -> None:
    update = UpdateMessage(seq=4, at=1.5, change={"kind": "paused", "paused": True})  # type: ignore[arg-type]
    assert parse_server_message(update.model_dump_json()) == update


def _fold(state: RoomSnapshot, command: Command, now: float = 100.0) -> RoomSnapshot:
    for change in changes_for(state, command, now=now, poll_id=f"poll{state.seq + 1}"):
        state = apply_change(state, change)
    return state


def test_a_session_from_start_to_end() -> None:
    state = RoomSnapshot()
    scene = SceneTarget(kind="narrative", ref="restore_the_glow", scene="council")
    state = _fold(state, PushSceneCommand(request_id="a", scene=scene))
    assert (state.seq, state.scene) == (1, scene)
    state = _fold(state, PauseCommand(request_id="b", paused=True))
    assert state.paused and state.seq == 2
    assert _fold(state, PauseCommand(request_id="c", paused=True)).seq == 2, "no-op, no update"
    state = _fold(state, BeaconCommand(request_id="d", beacon=BeaconPoint(x=1, y=0, z=2)))
    assert state.beacon is not None
    state = _fold(state, PollOpenCommand(request_id="e", question="Q?", options=["a", "b"]))
    assert state.poll is not None and state.poll.open and state.poll.poll_id == "poll4"
    first = state.poll.poll_id
    # A new poll closes the running one first.
    state = _fold(state, PollOpenCommand(request_id="f", question="R?", options=["c", "d"]))
    assert state.poll is not None and state.poll.open and state.poll.poll_id != first
    state = _fold(state, TimerStartCommand(request_id="g", seconds=60), now=1000.0)
    assert timer_remaining(state.timer, 1030.0) == 30.0
    assert timer_remaining(state.timer, 2000.0) == 0.0
    state = _fold(state, EndSessionCommand(request_id="h"))
    assert state.ended and state.poll is not None and not state.poll.open
    assert state.timer is None and not state.paused
    with pytest.raises(RoomRuleError) as refused:
        _fold(state, PauseCommand(request_id="i", paused=True))
    assert refused.value.code == "session_ended"


def test_rules_refuse_what_the_state_does_not_allow() -> None:
    with pytest.raises(RoomRuleError) as refused:
        _fold(RoomSnapshot(), PollCloseCommand(request_id="x"))
    assert refused.value.code == "no_poll"
    assert _fold(RoomSnapshot(), TimerStopCommand(request_id="y")).seq == 0
    assert _fold(RoomSnapshot(), BeaconClearCommand(request_id="z")).seq == 0


def test_glow_rises_with_completions_and_never_passes_full() -> None:
    assert glow_for(0, 10) == 0.2
    values = [glow_for(done, 10) for done in range(0, 15)]
    assert values == sorted(values) and values[-1] == 1.0
    assert glow_for(3, 0) == 1.0


def test_rate_limiter_allows_bursts_then_the_average() -> None:
    limiter = RateLimiter(rate=2.0, burst=3.0, now=0.0)
    assert [limiter.allow(0.0) for _ in range(4)] == [True, True, True, False]
    assert limiter.allow(0.5) and not limiter.allow(0.5)


_commands = st.one_of(
    st.builds(
        PushSceneCommand,
        request_id=st.just("r"),
        scene=st.builds(
            SceneTarget,
            kind=st.sampled_from(["narrative", "lesson"]),
            ref=st.sampled_from(["a", "b"]),
        ),
    ),
    st.builds(PauseCommand, request_id=st.just("r"), paused=st.booleans()),
    st.builds(BlankCommand, request_id=st.just("r"), blank=st.booleans()),
    st.builds(
        PollOpenCommand,
        request_id=st.just("r"),
        question=st.just("Q?"),
        options=st.lists(st.sampled_from(["x", "y", "z"]), min_size=2, max_size=3),
    ),
    st.builds(PollCloseCommand, request_id=st.just("r")),
    st.builds(TimerStartCommand, request_id=st.just("r"), seconds=st.integers(1, 600)),
    st.builds(TimerStopCommand, request_id=st.just("r")),
    st.builds(BeaconClearCommand, request_id=st.just("r")),
    st.builds(EndSessionCommand, request_id=st.just("r")),
)


@given(st.lists(_commands, max_size=25), st.integers(0, 25))
def test_a_client_folding_updates_from_any_point_reaches_the_server_state(
    commands: list[Command], resume_at: int
) -> None:
    """Server: commands -> changes. Client: joins with a snapshot at any seq, then folds the
    rest of the updates, some delivered twice; it ends in exactly the server's state."""
    server = RoomSnapshot()
    log = []
    for command in commands:
        try:
            changes = changes_for(server, command, now=5.0, poll_id=f"poll{server.seq + 1}")
        except RoomRuleError:
            continue
        for change in changes:
            server = apply_change(server, change)
            log.append((server.seq, change, server))
    snapshot = RoomSnapshot() if resume_at == 0 or not log else log[min(resume_at, len(log)) - 1][2]
    client = snapshot
    for seq, change, _ in log + log:  # the second pass is all duplicates
        if seq == client.seq + 1:
            client = apply_change(client, change)
    assert client == server
    assert [seq for seq, _, _ in log] == list(range(1, len(log) + 1))


def _seen(room: RoomSnapshot | None, **fields: object) -> SeminarState:
    values: dict[str, object] = dict(
        room=room, tally=None, my_vote=None, connected=True, refused=None, nickname="Mia"
    )
    values.update(fields)
    return SeminarState(**values)  # type: ignore[arg-type]


def test_what_a_participant_sees() -> None:
    assert follow_view(_seen(None), 0.0).banner == "Joining the session…"
    refused = follow_view(_seen(None, refused="no session has that code"), 0.0)
    assert refused.banner.startswith("Could not join")
    room = _fold(RoomSnapshot(), PollOpenCommand(request_id="p", question="Q?", options=["a", "b"]))
    room = _fold(room, TimerStartCommand(request_id="t", seconds=300), now=1000.0)
    view = follow_view(_seen(room), 1010.0)
    assert view.banner == "Discussion 4:50"
    assert view.poll_lines == ("Q?", "1. a  [0]", "2. b  [0]", "Press a number to vote")
    tally = TallyMessage(poll_id=room.poll.poll_id if room.poll else "", counts=[2, 3], voters=5)
    voted = follow_view(_seen(room, tally=tally, my_vote=1, connected=False), 1010.0)
    assert voted.poll_lines == ("Q?", "1. a  [2]", "2. b  [3] ← your vote")
    assert voted.banner.startswith("Reconnecting…")
    blank = follow_view(_seen(_fold(room, BlankCommand(request_id="b", blank=True))), 0.0)
    assert blank.blank and blank.frozen
    paused = follow_view(_seen(_fold(room, PauseCommand(request_id="x", paused=True))), 0.0)
    assert paused.frozen and not paused.blank and "Paused by the organizer" in paused.banner
    ended = follow_view(_seen(_fold(room, EndSessionCommand(request_id="e"))), 0.0)
    assert ended.ended and not ended.frozen and "ended" in ended.banner
