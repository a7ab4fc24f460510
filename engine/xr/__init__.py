"""The OpenXR headset backend: pure parts (lifecycle, poses, projection, bindings, timing) and
the impure shell around pyopenxr and Panda3D (runtime, gl_bridge, renderer, player)."""
