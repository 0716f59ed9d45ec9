"""The published API document (docs/openapi.json) and its reference (docs/api.md): current with the code,
valid OpenAPI by a maintained validator, and correct where clients rely on it: authentication, errors,
examples and path parameters as on the wire."""

import json
import re
from typing import Any

import pytest
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate

from deploy.openapi import DOCUMENT_PATH, REFERENCE_PATH, ROOT, api_document, stale_files
from faceid_relay.errors import catalogue
from localcloud.gateway import ROUTES

DOCUMENT: dict[str, Any] = json.loads(DOCUMENT_PATH.read_text())
OPERATIONS = [
    pytest.param(path, method, operation, id=f"{method.upper()} {path}")
    for path, operations in DOCUMENT["paths"].items()
    for method, operation in operations.items()
]
STATUS_OF = {error.code: error.status for error in catalogue()}


def schema_validator(schema: dict[str, Any]) -> OAS31Validator:
    """A validator for a schema of the document, its $refs resolved against the document."""
    return OAS31Validator({**schema, "components": DOCUMENT["components"]})


def test_the_published_document_and_reference_are_what_make_openapi_writes_now() -> None:
    stale = [str(path.relative_to(ROOT)) for path in stale_files()]

    assert not stale, f"{stale} are stale: run `make openapi` and commit them"
    assert REFERENCE_PATH.read_text().count("\n## ") == len(OPERATIONS)


def test_the_document_is_valid_openapi() -> None:
    validate(DOCUMENT)


def test_the_document_has_every_route_of_the_gateway_and_no_other() -> None:
    documented = {(path, method.upper()) for path, ops in DOCUMENT["paths"].items() for method in ops}

    assert documented == {(route.path, route.method) for route in ROUTES}
    assert api_document() == DOCUMENT


def test_the_app_token_is_a_bearer_scheme_required_everywhere_but_the_browser_callback() -> None:
    assert DOCUMENT["components"]["securitySchemes"] == {"appToken": {"type": "http", "scheme": "bearer"}}
    assert "security" not in DOCUMENT
    for path, operations in DOCUMENT["paths"].items():
        for method, operation in operations.items():
            expected: list[dict[str, list[str]]] = [] if path == "/callback" else [{"appToken": []}]
            assert operation["security"] == expected, f"{method} {path}"
            assert ("401" in operation["responses"]) is (path != "/callback")


@pytest.mark.parametrize(("path", "method", "operation"), OPERATIONS)
def test_every_error_is_the_error_body_with_an_example_per_code_it_can_return(
    path: str, method: str, operation: dict[str, Any]
) -> None:
    errors = {status: response for status, response in operation["responses"].items() if int(status) >= 400}

    assert {"400", "500"} <= set(errors)
    for status, response in errors.items():
        media = response["content"]["application/json"]
        assert media["schema"] == {"$ref": "#/components/schemas/ErrorBody"}
        codes = set(media["examples"])
        assert codes == set(response["description"].split(", "))
        assert all(STATUS_OF[code] == int(status) for code in codes), (status, codes)
        for example in media["examples"].values():
            schema_validator(media["schema"]).validate(example["value"])
        # A browser opens the callback: its errors are also a page (the same codes), no other route's are.
        page = response["content"].get("text/html")
        assert (page is not None) is (path == "/callback")
        if page is not None:
            assert set(page["examples"]) == codes
            assert all(f"Error code: {code}" in page["examples"][code]["value"] for code in codes)


@pytest.mark.parametrize(("path", "method", "operation"), OPERATIONS)
def test_every_request_and_response_body_has_an_example_that_fits_its_schema(
    path: str, method: str, operation: dict[str, Any]
) -> None:
    bodies = [operation.get("requestBody", {}).get("content", {}).get("application/json")]
    bodies += [
        response.get("content", {}).get("application/json") for response in operation["responses"].values()
    ]

    for media in filter(None, bodies):
        assert media.get("examples"), media["schema"]
        for example in media["examples"].values():
            schema_validator(media["schema"]).validate(example["value"])


@pytest.mark.parametrize(("path", "method", "operation"), OPERATIONS)
def test_path_parameters_are_named_as_on_the_wire(path: str, method: str, operation: dict[str, Any]) -> None:
    in_path = re.findall(r"{([^}]+)}", path)
    parameters = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]

    assert parameters == in_path
    assert all("_" not in name for name in parameters)
