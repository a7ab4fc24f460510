"""Actions and their suggested bindings for common controllers. Pure data.

One action set (``glowgrove``) with six actions, each per hand. Runtimes pick the profile that
matches the controllers in use and remap the rest; suggesting bindings for the common profiles
means the right buttons work on most PC-VR hardware without a rebinding UI. Paths follow the
OpenXR 1.0 spec, section "Interaction Profile Paths"; the runtime itself rejects a path the
profile lacks (tested against Monado).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "ACTIONS",
    "ACTION_SET",
    "HANDS",
    "PROFILES",
    "ActionKind",
    "ActionSpec",
    "Binding",
    "InteractionProfile",
    "suggested_bindings",
]

HANDS = ("/user/hand/left", "/user/hand/right")
ACTION_SET = ("glowgrove", "Glowgrove")


class ActionKind(StrEnum):
    BOOLEAN = "boolean"
    VECTOR2 = "vector2"
    POSE = "pose"
    HAPTIC = "haptic"


@dataclass(frozen=True)
class ActionSpec:
    name: str  # lowercase, as OpenXR requires
    label: str  # shown by runtimes in their rebinding UIs
    kind: ActionKind


ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("aim_pose", "Pointer", ActionKind.POSE),
    ActionSpec("grip_pose", "Hand", ActionKind.POSE),
    ActionSpec("select", "Select a choice", ActionKind.BOOLEAN),
    ActionSpec("move", "Teleport and turn", ActionKind.VECTOR2),
    ActionSpec("menu", "Pause / safe place", ActionKind.BOOLEAN),
    ActionSpec("haptic", "Hover tick", ActionKind.HAPTIC),
)


@dataclass(frozen=True)
class Binding:
    action: str
    path: str  # full path, e.g. /user/hand/left/input/select/click


@dataclass(frozen=True)
class InteractionProfile:
    path: str
    # component (relative to the hand) per action, per hand; absent: this profile lacks it
    left: dict[str, str]
    right: dict[str, str]


def _both(components: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    return dict(components), dict(components)


_COMMON = {
    "aim_pose": "input/aim/pose",
    "grip_pose": "input/grip/pose",
    "haptic": "output/haptic",
}


def _profile(path: str, left: dict[str, str], right: dict[str, str]) -> InteractionProfile:
    return InteractionProfile(path, {**_COMMON, **left}, {**_COMMON, **right})


PROFILES: tuple[InteractionProfile, ...] = (
    # The simulated controllers in Monado and the fallback every runtime supports: no stick.
    _profile(
        "/interaction_profiles/khr/simple_controller",
        *_both({"select": "input/select/click", "menu": "input/menu/click"}),
    ),
    # Quest / Rift: only the left controller has a menu button (the right one's is the system
    # button, reserved for the runtime), so B opens the menu on the right.
    _profile(
        "/interaction_profiles/oculus/touch_controller",
        {
            "select": "input/trigger/value",
            "move": "input/thumbstick",
            "menu": "input/menu/click",
        },
        {
            "select": "input/trigger/value",
            "move": "input/thumbstick",
            "menu": "input/b/click",
        },
    ),
    _profile(
        "/interaction_profiles/valve/index_controller",
        *_both(
            {
                "select": "input/trigger/click",
                "move": "input/thumbstick",
                "menu": "input/b/click",
            }
        ),
    ),
    # Vive wands have a trackpad instead of a stick: the same vector2 action reads it.
    _profile(
        "/interaction_profiles/htc/vive_controller",
        *_both(
            {
                "select": "input/trigger/click",
                "move": "input/trackpad",
                "menu": "input/menu/click",
            }
        ),
    ),
    _profile(
        "/interaction_profiles/microsoft/motion_controller",
        *_both(
            {
                "select": "input/trigger/value",
                "move": "input/thumbstick",
                "menu": "input/menu/click",
            }
        ),
    ),
)


def suggested_bindings(profile: InteractionProfile) -> tuple[Binding, ...]:
    """Every (action, full path) pair to suggest for ``profile``, in action order."""
    bindings = []
    for action in ACTIONS:
        for hand, components in zip(HANDS, (profile.left, profile.right), strict=True):
            component = components.get(action.name)
            if component is not None:
                bindings.append(Binding(action.name, f"{hand}/{component}"))
    return tuple(bindings)
