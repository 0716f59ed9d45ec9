"""The local cloud (COS and FaceID emulators, `python -m localcloud`) in a container on a Docker network of
its own, where the functions' containers reach it as http://localcloud:<port>; the host reaches it on the same
ports, published on 127.0.0.1 only. It runs this checkout's code (mounted read-only) with its dependencies
installed for the stand-in's Python."""

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import tomllib

from deploy.package import SDIST_ONLY
from deploy.samlocal import (
    CACHE,
    CLOUD_ALIAS,
    CLOUD_CONTAINER,
    COS_PORT,
    FACEID_PORT,
    LABEL,
    NETWORK,
    ROOT,
    SamLocalError,
)
from deploy.samlocal.engine import docker

# What the emulators import (localcloud/), pinned where pyproject.toml pins them.
PACKAGES = ("cos-python-sdk-v5", "pydantic", "starlette", "python-multipart", "uvicorn", "httpx")
START_TIMEOUT_SECONDS = 60


def requirements() -> list[str]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        project = tomllib.load(file)["project"]
    pinned = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    chosen = [spec for spec in pinned if spec.split("==")[0] in PACKAGES]
    if len(chosen) != len(PACKAGES):
        raise SamLocalError(f"pyproject.toml must pin each of {', '.join(PACKAGES)}")
    return chosen


def dependencies(runtime: str) -> Path:
    """The emulators' dependencies for the runtime's Python, installed once per requirement set."""
    version = runtime.removeprefix("python")
    digest = hashlib.sha256(" ".join([version, *requirements()]).encode()).hexdigest()[:16]
    target = CACHE / f"localcloud-deps-{runtime}-{digest}"
    if target.exists():
        return target
    scratch = target.with_suffix(".partial")
    subprocess.run(["rm", "-rf", str(scratch)], check=True)  # noqa: S603, S607
    wheels = scratch / "wheels"
    pip = (sys.executable, "-m", "pip", "--quiet", "--disable-pip-version-check")
    # Pure-Python wheels of sdist-only packages (no compiler), as deploy/package.py builds the layer.
    _pip(*pip, "wheel", "--no-deps", "--no-cache-dir", f"--wheel-dir={wheels}", *SDIST_ONLY, cc="false")
    _pip(
        *pip, "install", "--no-compile", f"--target={scratch / 'site'}", f"--find-links={wheels}",
        "--platform=manylinux2014_x86_64", "--only-binary=:all:", f"--python-version={version}",
        "--implementation=cp", *requirements(),
    )  # fmt: skip
    (scratch / "site").rename(target)
    subprocess.run(["rm", "-rf", str(scratch)], check=True)  # noqa: S603, S607
    return target


def _pip(*command: str, cc: str | None = None) -> None:
    env = None if cc is None else {**os.environ, "CC": cc}
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)  # noqa: S603
    if result.returncode != 0:
        raise SamLocalError(f"{' '.join(command[4:7])} failed:\n{result.stdout}{result.stderr}")


def start(image: str, runtime: str) -> dict[str, str]:
    """A fresh local cloud on NETWORK; returns its endpoints as the host sees them."""
    stop()
    if docker("network", "ls", "--quiet", "--filter", f"name=^{NETWORK}$"):
        raise SamLocalError(f"a Docker network named {NETWORK} exists that make sam-local did not create")
    docker("network", "create", "--label", f"{LABEL}=network", NETWORK)
    site = dependencies(runtime)
    docker(
        "run", "--detach", "--name", CLOUD_CONTAINER, "--label", f"{LABEL}=cloud",
        "--network", NETWORK, "--network-alias", CLOUD_ALIAS,
        "--publish", f"127.0.0.1:{COS_PORT}:{COS_PORT}",
        "--publish", f"127.0.0.1:{FACEID_PORT}:{FACEID_PORT}",
        "--volume", f"{site}:/srv/site:ro", "--volume", f"{ROOT}:/srv/faceid-relay:ro",
        "--env", "PYTHONPATH=/srv/site:/srv/faceid-relay/shared:/srv/faceid-relay",
        "--env", "PYTHONDONTWRITEBYTECODE=1", "--workdir", "/srv/faceid-relay", image,
        # Inside the container: every interface of its own network namespace, a data folder of its own.
        "python3", "-m", "localcloud", "--host", "0.0.0.0", "--data-dir", "/tmp/localcloud",  # noqa: S104, S108
        "--cos-port", str(COS_PORT), "--faceid-port", str(FACEID_PORT),
    )  # fmt: skip
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        first_line = docker("logs", CLOUD_CONTAINER).partition("\n")[0]
        if first_line.startswith("{"):
            endpoints: dict[str, str] = json.loads(first_line)
            return endpoints
        if docker("inspect", "--format", "{{.State.Running}}", CLOUD_CONTAINER) != "true":
            break
        time.sleep(0.5)
    logs = docker("logs", CLOUD_CONTAINER, check=False)
    raise SamLocalError(f"the local cloud did not start in its container:\n{logs[-3000:]}")


def stop() -> None:
    """Remove our containers and network: the local cloud, and function containers an interrupted
    `sam local` left (they run on images built on the stand-in, which carry its label)."""
    containers = [
        container
        for role in ("cloud", "standin")
        for container in docker("ps", "--all", "--quiet", "--filter", f"label={LABEL}={role}").split()
    ]
    if containers:
        docker("rm", "--force", *containers)
    for network in docker("network", "ls", "--quiet", "--filter", f"label={LABEL}=network").split():
        docker("network", "rm", network)
