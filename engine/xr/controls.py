"""Controller actions through OpenXR: the action set, suggested bindings, per-frame reads.

The tables live in :mod:`engine.xr.bindings` (pure); this module hands them to the runtime, which
validates every path (an unknown one is an error there, so suggesting them is itself a check).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from engine.xr.bindings import ACTION_SET, ACTIONS, HANDS, PROFILES, ActionKind, suggested_bindings
from engine.xr.poses import PandaPose, xr_pose_to_panda
from engine.xr.runtime import XrSession

__all__ = ["ControllerActions", "HandState"]

log = logging.getLogger(__name__)


@dataclass
class HandState:
    """One hand after ``xrSyncActions``: poses in Panda3D axes (None when not tracked)."""

    profile: str = ""
    aim: PandaPose | None = None
    grip: PandaPose | None = None
    select: bool = False
    select_changed: bool = False
    menu: bool = False
    menu_changed: bool = False
    move: tuple[float, float] = (0.0, 0.0)
    active: dict[str, bool] = field(default_factory=dict)


@dataclass
class ControllerActions:
    session: XrSession
    action_set: Any
    actions: dict[str, Any]
    hand_paths: tuple[Any, ...]
    pose_spaces: dict[tuple[str, int], Any]
    profiles_suggested: list[str]
    syncs: int = 0

    @classmethod
    def create(cls, session: XrSession) -> ControllerActions:
        import xr

        instance = session.owner.instance
        hand_paths = tuple(xr.string_to_path(instance, hand) for hand in HANDS)
        action_set = xr.create_action_set(
            instance,
            xr.ActionSetCreateInfo(
                action_set_name=ACTION_SET[0], localized_action_set_name=ACTION_SET[1], priority=0
            ),
        )
        types = {
            ActionKind.BOOLEAN: xr.ActionType.BOOLEAN_INPUT,
            ActionKind.VECTOR2: xr.ActionType.VECTOR2F_INPUT,
            ActionKind.POSE: xr.ActionType.POSE_INPUT,
            ActionKind.HAPTIC: xr.ActionType.VIBRATION_OUTPUT,
        }
        actions = {
            spec.name: xr.create_action(
                action_set,
                xr.ActionCreateInfo(
                    action_type=types[spec.kind],
                    action_name=spec.name,
                    localized_action_name=spec.label,
                    subaction_paths=list(hand_paths),
                ),
            )
            for spec in ACTIONS
        }
        suggested = []
        for profile in PROFILES:
            bindings = [
                xr.ActionSuggestedBinding(actions[b.action], xr.string_to_path(instance, b.path))
                for b in suggested_bindings(profile)
            ]
            xr.suggest_interaction_profile_bindings(
                instance,
                xr.InteractionProfileSuggestedBinding(
                    interaction_profile=xr.string_to_path(instance, profile.path),
                    suggested_bindings=bindings,
                ),
            )
            suggested.append(profile.path)
        xr.attach_session_action_sets(
            session.session, xr.SessionActionSetsAttachInfo(action_sets=[action_set])
        )
        spaces = {}
        for name in ("aim_pose", "grip_pose"):
            for index, hand in enumerate(hand_paths):
                spaces[(name, index)] = xr.create_action_space(
                    session.session,
                    xr.ActionSpaceCreateInfo(
                        action=actions[name], subaction_path=hand, pose_in_action_space=xr.Posef()
                    ),
                )
        return cls(session, action_set, actions, hand_paths, spaces, suggested)

    def sync(self, display_time: int) -> list[HandState]:
        """Sync the action set (only while focused, as the spec asks) and read both hands."""
        import xr

        session = self.session.session
        hands = [HandState() for _ in HANDS]
        if not self.session.lifecycle.focused:
            return hands
        xr.sync_actions(
            session,
            xr.ActionsSyncInfo(
                active_action_sets=[
                    xr.ActiveActionSet(action_set=self.action_set, subaction_path=xr.NULL_PATH)
                ]
            ),
        )
        self.syncs += 1
        instance = self.session.owner.instance
        for index, (hand, state) in enumerate(zip(self.hand_paths, hands, strict=True)):
            profile = xr.get_current_interaction_profile(session, hand).interaction_profile
            if profile != xr.NULL_PATH:
                state.profile = xr.path_to_string(instance, profile)
            for name in ("select", "menu"):
                info = xr.ActionStateGetInfo(action=self.actions[name], subaction_path=hand)
                value = xr.get_action_state_boolean(session, info)
                state.active[name] = bool(value.is_active)
                setattr(state, name, bool(value.current_state))
                setattr(state, f"{name}_changed", bool(value.changed_since_last_sync))
            info = xr.ActionStateGetInfo(action=self.actions["move"], subaction_path=hand)
            stick = xr.get_action_state_vector2f(session, info)
            state.active["move"] = bool(stick.is_active)
            state.move = (float(stick.current_state.x), float(stick.current_state.y))
            for name, attribute in (("aim_pose", "aim"), ("grip_pose", "grip")):
                info = xr.ActionStateGetInfo(action=self.actions[name], subaction_path=hand)
                state.active[name] = bool(xr.get_action_state_pose(session, info).is_active)
                location = xr.locate_space(
                    self.pose_spaces[(name, index)], self.session.space, display_time
                )
                valid = xr.SpaceLocationFlags.POSITION_VALID_BIT | (
                    xr.SpaceLocationFlags.ORIENTATION_VALID_BIT
                )
                if (location.location_flags & valid) == valid:
                    pose = location.pose
                    setattr(
                        state,
                        attribute,
                        xr_pose_to_panda(
                            (pose.position.x, pose.position.y, pose.position.z),
                            (
                                pose.orientation.x,
                                pose.orientation.y,
                                pose.orientation.z,
                                pose.orientation.w,
                            ),
                        ),
                    )
        return hands

    def haptic_tick(self, hand: int, amplitude: float = 0.3, seconds: float = 0.02) -> None:
        """A short buzz (hovering a choice); ignored by controllers without a motor."""
        import xr

        vibration = xr.HapticVibration(
            amplitude=amplitude, duration=int(seconds * 1e9), frequency=xr.FREQUENCY_UNSPECIFIED
        )
        xr.apply_haptic_feedback(
            self.session.session,
            xr.HapticActionInfo(
                action=self.actions["haptic"], subaction_path=self.hand_paths[hand]
            ),
            vibration,
        )

    def destroy_spaces(self) -> None:
        import xr

        for space in self.pose_spaces.values():
            xr.destroy_space(space)
        self.pose_spaces.clear()

    def destroy(self) -> None:
        import xr

        self.destroy_spaces()
        xr.destroy_action_set(self.action_set)
