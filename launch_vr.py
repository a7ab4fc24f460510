"""Thin entry point: ``python launch_vr.py narratives/restore_the_glow.yaml [--mode ...]``."""

from __future__ import annotations

from engine.player.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
