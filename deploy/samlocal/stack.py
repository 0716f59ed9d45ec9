"""Bring up and tear down what `sam local` needs here: engine, stand-in image, built template, local cloud."""

from deploy.samlocal import LABEL, ROOT, SamLocalError, cloud, engine, standin
from deploy.samlocal.lambdas import sam_build

BUILT_TEMPLATE = ROOT / ".aws-sam" / "build" / "template.yaml"


def prepare() -> tuple[str, str]:
    """The engine and the stand-in image for template.yaml's runtime: (runtime, image)."""
    engine.ensure_engine()
    runtime = standin.template_runtime()
    return runtime, standin.ensure_image(runtime)


def up() -> dict[str, str]:
    runtime, image = prepare()
    sam_build()
    check_layer(runtime)
    return cloud.start(image, runtime)


def check_layer(runtime: str) -> None:
    """Binary wheels in the built template's layer must be the runtime's CPython's: pydantic_core built for
    another version fails at import, inside the emulator, far from the cause."""
    built = BUILT_TEMPLATE.read_text()
    tag = f"cpython-{runtime.removeprefix('python').replace('.', '')}-"
    for line in built.splitlines():
        if "ContentUri:" in line:
            layer = (BUILT_TEMPLATE.parent / line.split(":", 1)[1].strip()).resolve()
            others = sorted({so.name for so in layer.rglob("*.cpython-*.so") if tag not in so.name})
            if others:
                raise SamLocalError(
                    f"the layer {layer} holds extensions for another Python than {runtime}: "
                    f"{', '.join(others[:3])} (make package must build the layer for template.yaml's runtime)"
                )


def down(stop_engine: bool = False) -> None:
    if engine.server_version() is None:
        return
    cloud.stop()
    # SAM rebuilds its image on the stand-in at every start (the layer is defined in the template): drop the
    # images left untagged by that, and only those.
    engine.docker("image", "prune", "--force", "--filter", f"label={LABEL}=standin")
    if stop_engine:
        engine.stop_engine()
