"""The 3D scene: environment, garden placeholder, characters, panels, fades.

Modules named ``*_model`` and ``palette``/``layout`` are pure Python; the rest build Panda3D nodes.
"""
