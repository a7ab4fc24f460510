"""The 3D story player: opens a display backend, runs the story machine, drives the director."""
