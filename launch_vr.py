"""Thin entry point: ``python launch_vr.py narratives/restore_the_glow.yaml``.

Until the 3D player lands this plays the narrative in the terminal (``glowgrove play``).
"""

from __future__ import annotations

import sys

from engine.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["play", *sys.argv[1:]]))
