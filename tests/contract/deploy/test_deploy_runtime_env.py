"""The environment the deploy contract and the cold-start bench run the artifacts with (DEPLOYED_ENV) is what
both templates give every function, so what is measured and tested is what deploys."""

from pathlib import Path
from typing import Any

import yaml

from deploy.artifact import DEPLOYED_ENV

ROOT = Path(__file__).resolve().parents[3]


class _TagIgnoringLoader(yaml.SafeLoader):
    """Reads CloudFormation's short-form tags (!Ref, !Sub, ...) as plain values."""


_TagIgnoringLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.load((ROOT / name).read_text(), Loader=_TagIgnoringLoader)  # noqa: S506
    return document


def scf_variables() -> dict[str, Any]:
    """multi-scf's documented `environments: [{key, value}]`, or the older `environment.variables` map."""
    inputs = load("serverless.yml")["inputs"]
    if "environments" in inputs:
        return {item["key"]: item["value"] for item in inputs["environments"]}
    variables: dict[str, Any] = inputs["environment"]["variables"]
    return variables


def test_sam_functions_get_the_deployed_environment() -> None:
    variables = load("template.yaml")["Globals"]["Function"]["Environment"]["Variables"]
    assert {name: variables.get(name) for name in DEPLOYED_ENV} == DEPLOYED_ENV


def test_scf_functions_get_the_deployed_environment() -> None:
    variables = scf_variables()
    assert {name: variables.get(name) for name in DEPLOYED_ENV} == DEPLOYED_ENV
