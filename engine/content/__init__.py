"""Author content: YAML with source positions -> pydantic models -> an immutable Program.

Pure Python: never imports panda3d or xr.
"""
