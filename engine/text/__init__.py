"""Line text: sandboxed templates and the terminal player. Pure Python."""
