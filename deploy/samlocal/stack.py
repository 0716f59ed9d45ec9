"""Bring up and tear down what `sam local` needs here: engine, stand-in image, built template, local cloud."""

from deploy.samlocal import LABEL, cloud, engine, standin
from deploy.samlocal.lambdas import sam_build


def prepare() -> tuple[str, str]:
    """The engine and the stand-in image for template.yaml's runtime: (runtime, image)."""
    engine.ensure_engine()
    runtime = standin.template_runtime()
    return runtime, standin.ensure_image(runtime)


def up() -> dict[str, str]:
    runtime, image = prepare()
    sam_build()
    return cloud.start(image, runtime)


def down(stop_engine: bool = False) -> None:
    if engine.server_version() is None:
        return
    cloud.stop()
    # SAM rebuilds its image on the stand-in at every start (the layer is defined in the template): drop the
    # images left untagged by that, and only those.
    engine.docker("image", "prune", "--force", "--filter", f"label={LABEL}=standin")
    if stop_engine:
        engine.stop_engine()
