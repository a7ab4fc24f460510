"""Sound for the 3D player: narration made offline with espeak-ng, and sound cues.

``engine.audio.narration`` and ``engine.audio.espeak`` make narration files (no panda3d);
``engine.audio.player.AudioPlayer`` plays them through Panda3D's audio manager. Import the
player from its module: importing this package does not load panda3d.
"""
