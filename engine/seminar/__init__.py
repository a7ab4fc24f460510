"""Seminar sessions: a session server, an organizer console, participants, polls and reports.

``protocol`` (wire messages) and ``room`` (the pure state machine) import nothing impure;
``server``, ``client``, ``store`` and ``web`` are the shell around them.
"""

__all__: list[str] = []
