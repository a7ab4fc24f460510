"""Display backends: one small interface, implemented for desktop, offscreen (and OpenXR later)."""
