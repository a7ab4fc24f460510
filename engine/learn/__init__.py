"""Waste-management lessons: format, compiler, runtime, records (pure Python, no panda3d)."""
