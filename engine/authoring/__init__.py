"""Tools for authors: the story map, live preview, scaffolding and play-through testing."""
