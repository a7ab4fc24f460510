"""Glowgrove: immersive VR community storytelling and education.

The pure core (``engine.content``, ``engine.story``, ``engine.text``) never imports panda3d.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
