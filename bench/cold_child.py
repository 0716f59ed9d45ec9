"""Child process of the cold-start benchmark (P2): import one handler module, answer one event, and report
CLOCK_MONOTONIC timestamps, which are system-wide on Linux and so comparable with the parent's spawn time.

Stdlib only, run by path (not `-m`) with the runtime's interpreter and only the artifact on its path, so the
runner itself costs every process the same few milliseconds."""

import importlib.util
import json
import resource
import sys
import time
from types import ModuleType

REPORT_PREFIX = "BENCH-COLD "
# Written to stderr just before the handler module is imported: the `-X importtime` lines after it are its.
IMPORTS_MARKER = "BENCH-IMPORTS-START"


def load_module(name: str, path: str) -> ModuleType:
    """Import a function's app.py under its own name, as its deployment would (localcloud.gateway does the
    same, but importing it would load Starlette into the measured process)."""
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(job_path: str) -> None:
    with open(job_path, encoding="utf-8") as file:
        job = json.load(file)
    print(IMPORTS_MARKER, file=sys.stderr, flush=True)
    import_start = time.monotonic_ns()
    module = load_module(job["name"], job["module"])
    imported = time.monotonic_ns()
    response = module.handler(job["event"], job["context"])
    answered = time.monotonic_ns()
    # CPU time of this process so far (interpreter start included): on a shared machine, other processes
    # stretch the wall clock but hardly this.
    usage = resource.getrusage(resource.RUSAGE_SELF)
    report = {
        "import_start": import_start,
        "imported": imported,
        "answered": answered,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "response": response,
    }
    print(REPORT_PREFIX + json.dumps(report), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
