"""Assets the project makes itself: synthesised sounds and procedural prop models."""

from engine.assets.build import BuiltAsset, build_assets, stale_assets, write_assets

__all__ = ["BuiltAsset", "build_assets", "stale_assets", "write_assets"]
