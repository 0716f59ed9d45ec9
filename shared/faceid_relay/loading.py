"""Imported for its effect, first of all, by every function's app.py: the garbage collector rests while the
function's modules load, until its entry point is built (see startup.py)."""

from faceid_relay import startup

startup.pause()
