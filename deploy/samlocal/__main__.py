"""`python -m deploy.samlocal up|down|durations`: the machinery behind `make sam-local` (README.md).

up         Docker engine, stand-in base image, `sam build`, the local cloud container on its network;
           leaves them running so `sam local invoke` works as the README shows.
down       removes what `up` created (container, network, dangling images built on the stand-in) and
           stops the dockerd that `up` started, if it did.
durations  first-invoke Duration of every function in the runtime emulator, with the layer as packaged
           and with a copy stripped of bytecode (docs/performance.md)."""

import argparse
import shutil
import sys
from pathlib import Path

from deploy.samlocal import CLOUD_ALIAS, NETWORK, ROOT, SamLocalError
from deploy.samlocal.lambdas import WarmFunctions
from deploy.samlocal.probes import cold_invokes
from deploy.samlocal.stack import down, up

BUILT_TEMPLATE = ROOT / ".aws-sam" / "build" / "template.yaml"


def layer_variant(name: str, strip: bool) -> tuple[Path, Path]:
    """A template next to the built one whose layer is a copy of the packaged one (stripped of bytecode)."""
    built = BUILT_TEMPLATE.read_text()
    (content_uri,) = [line.split(":", 1)[1].strip() for line in built.splitlines() if "ContentUri:" in line]
    layer = BUILT_TEMPLATE.parent / f"layer-{name}"
    shutil.rmtree(layer, ignore_errors=True)
    shutil.copytree((BUILT_TEMPLATE.parent / content_uri).resolve(), layer)
    if strip:
        for cache in sorted(layer.rglob("__pycache__")):
            shutil.rmtree(cache)
    template = BUILT_TEMPLATE.with_name(f"template-{name}.yaml")
    template.write_text(built.replace(content_uri, layer.name))
    return template, layer


def durations() -> None:
    """Print a markdown table: each function's first-invoke Duration with and without bytecode."""
    up()
    try:
        columns = {}
        for name, strip in (("packaged", False), ("no-bytecode", True)):
            template, layer = layer_variant(name, strip)
            pyc = sum(1 for _ in layer.rglob("*.pyc"))
            warm = WarmFunctions(template.with_suffix(".log"), template)
            try:
                columns[f"{name} ({pyc} .pyc)"] = {fn: i.duration_ms for fn, i in cold_invokes(warm).items()}
            finally:
                warm.stop()
        print("| function | " + " | ".join(columns) + " |")
        print("|---|" + "---:|" * len(columns))
        for function in next(iter(columns.values())):
            print(f"| {function} | " + " | ".join(f"{c[function]:.0f} ms" for c in columns.values()) + " |")
    finally:
        down()


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m deploy.samlocal",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("command", choices=["up", "down", "durations"])
    command = parser.parse_args(argv).command
    try:
        if command == "up":
            endpoints = up()
            print(f"local cloud on Docker network {NETWORK} as {CLOUD_ALIAS}; from this host: {endpoints}")
        elif command == "down":
            down(stop_engine=True)
        else:
            durations()
    except SamLocalError as error:
        sys.exit(f"make sam-local: {error}")


if __name__ == "__main__":
    main(sys.argv[1:])
