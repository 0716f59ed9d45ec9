"""The Docker engine: Debian's docker.io, and a dockerd started here when none answers (root only).

Measured on these machines (reference tooling-here.md §8): overlay storage and iptables are unavailable, so
the daemon runs with vfs storage and without iptables; port publishing then goes through docker-proxy."""

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from deploy.samlocal import CACHE, SamLocalError

DOCKERD_FLAGS = ("--storage-driver=vfs", "--iptables=false", "--ip6tables=false")
DOCKERD_PID = CACHE / "dockerd.pid"
DOCKERD_LOG = CACHE / "dockerd.log"
START_TIMEOUT_SECONDS = 60


def docker(*args: str, check: bool = True) -> str:
    """Run the docker CLI; its stdout, or SamLocalError with its stderr when it fails and `check`."""
    result = subprocess.run(  # noqa: S603 - the docker CLI on PATH, arguments from this package
        ["docker", *args],  # noqa: S607
        capture_output=True,
        check=False,
    )
    if check and result.returncode != 0:
        raise SamLocalError(f"docker {' '.join(args[:3])} failed: {result.stderr.decode(errors='replace')}")
    return result.stdout.decode(errors="replace").strip()


def server_version() -> str | None:
    """The engine's version, or None when no engine answers."""
    if shutil.which("docker") is None:
        return None
    version = docker("version", "--format", "{{.Server.Version}}", check=False)
    return version or None


def apt_install(*packages: str) -> None:
    if shutil.which("apt-get") is None:
        raise SamLocalError(
            f"{', '.join(packages)} missing and this is not a Debian-like system: install them"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *packages]):
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
        if result.returncode != 0:
            raise SamLocalError(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")


def require_root(why: str) -> None:
    if os.geteuid() != 0:
        raise SamLocalError(f"{why}, and only root can do that here. Run `make sam-local` as root.")


def ensure_engine() -> str:
    """A Docker engine that answers: the one running, or dockerd started now. Returns its version."""
    version = server_version()
    if version:
        return version
    if shutil.which("dockerd") is None:
        require_root("Docker is not installed (Debian package docker.io)")
        print("installing Debian's docker.io ...", flush=True)
        apt_install("docker.io")
    require_root("No Docker engine answers at /var/run/docker.sock and dockerd must be started")
    CACHE.mkdir(parents=True, exist_ok=True)
    with DOCKERD_LOG.open("ab") as log:
        daemon = subprocess.Popen(  # noqa: S603 - dockerd from docker.io, fixed flags
            ["dockerd", *DOCKERD_FLAGS],  # noqa: S607 - Debian's, from PATH
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    DOCKERD_PID.write_text(str(daemon.pid))
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline and daemon.poll() is None:
        version = server_version()
        if version:
            print(f"started dockerd {version} (pid {daemon.pid}, log {DOCKERD_LOG})", flush=True)
            return version
        time.sleep(0.5)
    tail = DOCKERD_LOG.read_text(errors="replace").splitlines()[-15:]
    raise SamLocalError("dockerd did not start:\n" + "\n".join(tail))


def stop_engine() -> None:
    """Stop the dockerd this package started (none other)."""
    pid = _started_dockerd()
    if pid is None:
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
        time.sleep(0.2)
    DOCKERD_PID.unlink(missing_ok=True)
    print(f"stopped dockerd (pid {pid})", flush=True)


def _started_dockerd() -> int | None:
    if not DOCKERD_PID.exists():
        return None
    pid = int(DOCKERD_PID.read_text())
    cmdline = Path(f"/proc/{pid}/cmdline")
    if not cmdline.exists() or not cmdline.read_bytes().startswith(b"dockerd\0"):
        DOCKERD_PID.unlink()
        return None
    return pid
