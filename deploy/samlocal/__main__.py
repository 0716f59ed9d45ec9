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
from collections import defaultdict
from pathlib import Path
from statistics import median

from deploy.samlocal import CLOUD_ALIAS, NETWORK, SamLocalError
from deploy.samlocal.lambdas import WarmFunctions
from deploy.samlocal.probes import cold_invokes
from deploy.samlocal.stack import BUILT_TEMPLATE, down, up

VARIANTS = (("packaged", False), ("no-bytecode", True))


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


def durations(rounds: int) -> None:
    """Print a markdown table: each function's first-invoke Duration with and without bytecode, the median
    of `rounds` fresh starts of every container (variants alternate, so load drifts hit both alike)."""
    up()
    try:
        variants = {name: layer_variant(name, strip) for name, strip in VARIANTS}
        runs: dict[str, dict[str, list[float]]] = {name: defaultdict(list) for name in variants}
        for _ in range(rounds):
            for name, (template, _layer) in variants.items():
                warm = WarmFunctions(template.with_suffix(".log"), template)
                try:
                    for function, invocation in cold_invokes(warm).items():
                        runs[name][function].append(invocation.duration_ms)
                finally:
                    warm.stop()
        pyc = {name: sum(1 for _ in layer.rglob("*.pyc")) for name, (_template, layer) in variants.items()}
        print("| function | " + " | ".join(f"{name} ({pyc[name]} .pyc)" for name in variants) + " |")
        print("|---|" + "---:|" * len(variants))
        for function in runs[VARIANTS[0][0]]:
            cells = [runs[name][function] for name in variants]
            print(
                f"| {function} | "
                + " | ".join(f"{median(c):.0f} ms ({min(c):.0f}-{max(c):.0f})" for c in cells)
                + " |"
            )
    finally:
        down()


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m deploy.samlocal",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("command", choices=["up", "down", "durations"])
    parser.add_argument("--rounds", type=int, default=3, help="durations: fresh starts per variant")
    args = parser.parse_args(argv)
    command = args.command
    try:
        if command == "up":
            endpoints = up()
            print(f"local cloud on Docker network {NETWORK} as {CLOUD_ALIAS}; from this host: {endpoints}")
        elif command == "down":
            down(stop_engine=True)
        else:
            durations(args.rounds)
    except SamLocalError as error:
        sys.exit(f"make sam-local: {error}")


if __name__ == "__main__":
    main(sys.argv[1:])
