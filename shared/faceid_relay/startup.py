"""The interpreter's side of a cold start. What a function creates while it loads (modules, classes, models,
clients: tens of thousands of objects) lives as long as the process, yet the cyclic garbage collector would
traverse it again and again: while it loads, and in the full collection the first request's allocations
set off. So each function's app.py first imports `faceid_relay.loading`, which pauses the collector, and
once the entry point is built (observability.event_function) everything made so far is moved out of the
collector's sight (gc.freeze, as the gc documentation advises before fork) and collection resumes: requests
are collected as before, minus those objects. Measured in docs/performance.md (P2)."""

import gc

_paused = False
_frozen = False


def pause() -> None:
    """Stop collecting while the function loads (loading.py, first import of every app.py)."""
    global _paused
    if gc.isenabled() and not _frozen:
        gc.disable()
        _paused = True


def started() -> None:
    """The function's entry point is built: freeze what the start created and collect again if pause()
    stopped it. Once per process: a process that builds several functions (the local cloud, the tests)
    would otherwise keep their garbage for good."""
    global _paused, _frozen
    if _frozen:
        return
    _frozen = True
    gc.freeze()
    if _paused:
        _paused = False
        gc.enable()
