"""A stand-in for Amazon's Lambda Python base image, which no registry reachable here serves.

SAM CLI runs a zip function on `public.ecr.aws/lambda/python:<version>-x86_64` plus its own Runtime Interface
Emulator. We build an image under that name: a Debian rootfs with the same Python minor version, Amazon's
runtime interface client (awslambdaric, PyPI) in /var/runtime and a bootstrap that starts it. It is not
Amazon's image (README.md, "sam local invoke" says what differs). The image is labelled with a digest of
this file and the runtime, and rebuilt only when either changes; the rootfs is cached as a tarball."""

import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from deploy.samlocal import CACHE, LABEL, ROOT, SamLocalError
from deploy.samlocal.engine import apt_install, docker, require_root

# Debian suites whose python3 is the runtime's version.
DEBIAN_SUITES = {"python3.11": "bookworm", "python3.13": "trixie"}
DEBIAN_MIRROR = "http://deb.debian.org/debian"
AWSLAMBDARIC = "awslambdaric==4.2.2"
BOOTSTRAP = """#!/bin/sh
# Lambda's python bootstrap, reduced: layers' python/ and the function's folder on the path, then the
# runtime interface client, which polls the emulator's Runtime API for events.
export PYTHONPATH="/var/runtime:/var/task:/opt/python${PYTHONPATH:+:$PYTHONPATH}"
exec /usr/bin/python3 -m awslambdaric "${_HANDLER:-$1}"
"""
IMAGE_CONFIG = (
    "ENV LAMBDA_TASK_ROOT=/var/task LAMBDA_RUNTIME_DIR=/var/runtime LANG=C.UTF-8",
    "WORKDIR /var/task",
)
# Package caches and documentation: Lambda's image has none, and vfs copies every byte per container.
PRUNED = (
    "var/cache/apt/archives",
    "var/lib/apt/lists",
    "usr/share/doc",
    "usr/share/man",
    "usr/share/info",
    "usr/share/locale",
)
RUNTIME = re.compile(r"^\s+Runtime:\s*(\S+)\s*$", re.MULTILINE)
DIGEST_LABEL = f"{LABEL}.standin"


def template_runtime(template: Path = ROOT / "template.yaml") -> str:
    """The one Lambda runtime template.yaml uses."""
    runtimes = set(RUNTIME.findall(template.read_text()))
    if len(runtimes) != 1:
        raise SamLocalError(
            f"{template.name} must use exactly one runtime, found {sorted(runtimes) or 'none'}"
        )
    runtime: str = runtimes.pop()
    if runtime not in DEBIAN_SUITES:
        raise SamLocalError(f"no stand-in recipe for {runtime}; known: {', '.join(DEBIAN_SUITES)}")
    return runtime


def image_tag(runtime: str) -> str:
    """The name SAM CLI builds a python zip function on (samcli Runtime.get_image_name_tag)."""
    return f"public.ecr.aws/lambda/python:{runtime.removeprefix('python')}-x86_64"


def recipe_digest(runtime: str) -> str:
    return hashlib.sha256(Path(__file__).read_bytes() + runtime.encode()).hexdigest()[:16]


def ensure_image(runtime: str) -> str:
    """The stand-in image for `runtime`, built (or imported from the cached rootfs) only when missing."""
    tag, digest = image_tag(runtime), recipe_digest(runtime)
    current = docker(
        "image", "inspect", "--format", f'{{{{index .Config.Labels "{DIGEST_LABEL}"}}}}', tag, check=False
    )
    if current == digest:
        return tag
    rootfs = CACHE / f"standin-{runtime}-{digest}.tar"
    if not rootfs.exists():
        build_rootfs(runtime, rootfs)
    previous = docker("image", "inspect", "--format", "{{.Id}}", tag, check=False)
    changes = [*IMAGE_CONFIG, f"LABEL {DIGEST_LABEL}={digest} {LABEL}=standin"]
    docker("import", *(arg for change in changes for arg in ("--change", change)), str(rootfs), tag)
    if previous:
        docker("rmi", previous, check=False)
    print(f"imported {tag} (stand-in, recipe {digest}) from {rootfs}", flush=True)
    return tag


def build_rootfs(runtime: str, tarball: Path) -> None:
    require_root("The stand-in image needs a Debian rootfs (debootstrap)")
    if shutil.which("debootstrap") is None:
        apt_install("debootstrap")
    suite = DEBIAN_SUITES[runtime]
    print(f"building the {runtime} stand-in rootfs (debootstrap {suite}, about two minutes) ...", flush=True)
    tarball.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=tarball.parent, prefix="rootfs-") as scratch:
        rootfs = Path(scratch) / "rootfs"
        run(
            "debootstrap",
            "--variant=minbase",
            "--include=python3,ca-certificates",
            suite,
            str(rootfs),
            DEBIAN_MIRROR,
        )
        for path in PRUNED:
            shutil.rmtree(rootfs / path, ignore_errors=True)
        check_python(rootfs, runtime)
        run(
            sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
            f"--target={rootfs / 'var' / 'runtime'}", "--platform=manylinux2014_x86_64",
            "--only-binary=:all:", f"--python-version={runtime.removeprefix('python')}",
            "--implementation=cp", AWSLAMBDARIC,
        )  # fmt: skip
        bootstrap = rootfs / "var" / "runtime" / "bootstrap"
        bootstrap.write_text(BOOTSTRAP)
        bootstrap.chmod(0o755)
        (rootfs / "var" / "task").mkdir(exist_ok=True)
        partial = tarball.with_suffix(".partial")
        run("tar", "-C", str(rootfs), "-cf", str(partial), ".")
        partial.rename(tarball)


def check_python(rootfs: Path, runtime: str) -> None:
    version = run(
        "chroot", str(rootfs), "python3", "-c", "import sys; print('python%d.%d' % sys.version_info[:2])"
    )
    if version != runtime:
        raise SamLocalError(f"Debian {DEBIAN_SUITES[runtime]} brings {version}, not {runtime}")


def run(*command: str) -> str:
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise SamLocalError(
            f"{' '.join(command[:4])} ... failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}"
        )
    return result.stdout.strip()
