"""Reading rendered PNGs into numpy arrays (rows top to bottom, RGB, 0-255)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
from panda3d.core import Filename, Texture, load_prc_file_data

load_prc_file_data("glowgrove-tests", "textures-power-2 none\nnotify-level-gobj error")


def read_png(path: Path) -> npt.NDArray[np.uint8]:
    texture = Texture()
    if not texture.read(Filename.from_os_specific(str(path))):
        raise AssertionError(f"cannot read {path}")
    height, width = texture.get_y_size(), texture.get_x_size()
    rgb = np.frombuffer(texture.get_ram_image_as("RGB"), np.uint8).reshape(height, width, 3)
    return rgb[::-1]  # Panda3D stores the bottom row first


def luminance(rgb: npt.NDArray[np.uint8]) -> npt.NDArray[np.float64]:
    """WCAG relative luminance per pixel, 0..1."""
    channel = rgb.astype(np.float64) / 255.0
    linear = np.where(channel <= 0.03928, channel / 12.92, ((channel + 0.055) / 1.055) ** 2.4)
    return linear @ np.array([0.2126, 0.7152, 0.0722])


def contrast(light: float, dark: float) -> float:
    return (light + 0.05) / (dark + 0.05)
