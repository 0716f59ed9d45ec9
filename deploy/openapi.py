"""`python -m deploy.openapi`: the published API document, docs/openapi.json, and its short reference,
docs/api.md, built from the functions' own resolvers for every route of the gateway's route table
(localcloud.gateway.ROUTES). `--check` changes nothing and fails when either file is stale.

Each function's resolver emits its part (models, per-route errors, security); this merges them into one
document and corrects what Powertools documents but the relay never answers: its 422 `{detail}` and 500
`ResponseValidationError` bodies (the relay answers 400/500 `{code, message, field?}`, declared per route),
and the API-wide bearer requirement of the first function (each operation carries its own, none on
/callback). Request and success examples come from the models' own examples."""

import argparse
import copy
import importlib.metadata
import json
import re
import sys
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from faceid_relay.errors import InternalError
from faceid_relay.http_api import error_pages_content
from faceid_relay.pages import HTML
from localcloud.gateway import ROUTES, load_function

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT_PATH = ROOT / "docs" / "openapi.json"
REFERENCE_PATH = ROOT / "docs" / "api.md"
# A deployment's environment as the functions read it at import (no value shows in the document).
DEPLOYMENT_ENV = {
    "RELAY_REGION": "ap-singapore",
    "RELAY_BUCKET": "faceid-relay-1250000000",
    "RELAY_ALLOWED_RETURN_ORIGINS": "https://app.example.com",
    "RELAY_CALLBACK_URL": "https://relay.example.com/callback",
    "RELAY_APP_TOKEN": "openapi-generator-app-token-0000000000",
    "TENCENTCLOUD_SECRETID": "AKIDopenapi",
    "TENCENTCLOUD_SECRETKEY": "openapi",
    "POWERTOOLS_SERVICE_NAME": "faceid-relay",
    "POWERTOOLS_METRICS_NAMESPACE": "FaceIdRelay",
}
# What Powertools documents for its own validation errors; the relay's handlers never send these bodies.
POWERTOOLS_ONLY_SCHEMAS = ("HTTPValidationError", "ValidationError", "ResponseValidationError")
METHODS = ("get", "put", "post", "delete", "patch", "options", "head")
DESCRIPTION = (
    "The HTTP API of a faceid-relay deployment (one per region). Every route except /callback needs "
    "`Authorization: Bearer <RELAY_APP_TOKEN>`. Every error is JSON `{code, message, field?}`; each route "
    "lists the codes it can answer. See README.md for the flows."
)


def function_document(function: str) -> dict[str, Any]:
    """What functions/<function>/app.py's resolver emits, imported as the gateway imports it."""
    module = load_function(function, DEPLOYMENT_ENV)
    document: dict[str, Any] = json.loads(module.app.get_openapi_json_schema())
    return document


@cache
def api_document() -> dict[str, Any]:
    """One document for every route of ROUTES, in its order; a path served by two functions, a route no
    resolver documents, or a schema two functions define differently is an error."""
    documents = {
        function: function_document(function) for function in dict.fromkeys(r.function for r in ROUTES)
    }
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    schemes: dict[str, Any] = {}
    for route in ROUTES:
        document = documents[route.function]
        operation = document["paths"].get(route.path, {}).get(route.method.lower())
        if operation is None:
            raise LookupError(f"{route.function} documents no {route.method} {route.path}")
        operation = copy.deepcopy(operation)
        operation["security"] = document.get("security", [])
        _drop_powertools_errors(operation)
        paths.setdefault(route.path, {})[route.method.lower()] = operation
    for function, document in documents.items():
        served = {
            (path, method) for path, ops in document["paths"].items() for method in ops if method in METHODS
        }
        routed = {(r.path, r.method.lower()) for r in ROUTES if r.function == function}
        if served != routed:
            raise LookupError(f"{function} serves {sorted(served)} but the route table has {sorted(routed)}")
        components = document.get("components", {})
        for name, schema in components.get("schemas", {}).items():
            if name in POWERTOOLS_ONLY_SCHEMAS:
                continue
            if schemas.setdefault(name, schema) != schema:
                raise ValueError(f"{function} defines the schema {name} differently")
        schemes.update(components.get("securitySchemes", {}))
    for operations in paths.values():
        for operation in operations.values():
            _add_examples(operation, schemas)
    return {
        "openapi": documents[ROUTES[0].function]["openapi"],
        "info": {
            "title": "faceid-relay",
            "version": importlib.metadata.version("faceid-relay"),
            "description": DESCRIPTION,
        },
        "paths": paths,
        "components": {"schemas": dict(sorted(schemas.items())), "securitySchemes": schemes},
    }


def _drop_powertools_errors(operation: dict[str, Any]) -> None:
    """Powertools' validation answers go; its 500 becomes the relay's InternalError (what the edge answers
    for a response that breaks its model, as for any unexpected failure); empty content maps go."""
    responses = operation["responses"]
    for status, response in list(responses.items()):
        refs = json.dumps(response)
        if any(f"#/components/schemas/{name}" in refs for name in POWERTOOLS_ONLY_SCHEMAS):
            del responses[status]
        elif response.get("content") == {}:
            del response["content"]
    pages = any(HTML in response.get("content", {}) for response in responses.values())
    responses.setdefault("500", _internal_error(pages))
    operation["responses"] = dict(sorted(responses.items()))


def _internal_error(pages: bool) -> dict[str, Any]:
    """InternalError's response; `pages`: the route also answers a browser with a page."""
    content: dict[str, Any] = {
        "application/json": {
            "schema": {"$ref": "#/components/schemas/ErrorBody"},
            "examples": {InternalError.code: {"value": InternalError().body()}},
        }
    }
    if pages:
        content[HTML] = error_pages_content([InternalError])
    return {"description": InternalError.code, "content": content}


def _add_examples(operation: dict[str, Any], schemas: Mapping[str, Any]) -> None:
    """The first example of the model a request body or success response refers to, shown on the route."""
    contents = [operation.get("requestBody", {}).get("content", {})]
    contents += [
        response.get("content", {}) for status, response in operation["responses"].items() if status < "300"
    ]
    for content in contents:
        for media in content.values():
            if "examples" not in media and "example" not in media:
                examples = _schema_examples(media["schema"], schemas)
                if examples:
                    media["examples"] = examples


def _schema_examples(schema: Mapping[str, Any], schemas: Mapping[str, Any]) -> dict[str, Any]:
    """{model name: {value}} for a $ref, or for each model of a oneOf/anyOf."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        found = schemas[name].get("examples", [])
        return {name: {"value": found[0]}} if found else {}
    examples: dict[str, Any] = {}
    for option in schema.get("oneOf", schema.get("anyOf", [])):
        examples.update(_schema_examples(option, schemas))
    return examples


# --- docs/api.md --------------------------------------------------------------------------------------------


def api_reference(document: Mapping[str, Any]) -> str:
    """Routes, their fields and their errors, as a page to read (the document is the contract)."""
    schemas = document["components"]["schemas"]
    lines = [
        "# faceid-relay API reference",
        "",
        "Generated by `make openapi` from [openapi.json](openapi.json) (do not edit by hand).",
        "Every route except `GET /callback` needs `Authorization: Bearer <RELAY_APP_TOKEN>`;",
        "every error is JSON `{code, message, field?}` with the status shown.",
        "",
        "| route | auth | success | errors |",
        "|---|---|---|---|",
    ]
    operations = [
        (path, method, operation)
        for path, ops in document["paths"].items()
        for method, operation in ops.items()
    ]
    for path, method, operation in operations:
        auth = "bearer" if operation.get("security") else "none"
        success = ", ".join(status for status in operation["responses"] if status < "400")
        errors = ", ".join(status for status in operation["responses"] if status >= "400")
        lines.append(
            f"| [`{method.upper()} {path}`](#{_anchor(method, path)}) | {auth} | {success} | {errors} |"
        )
    for path, method, operation in operations:
        lines += ["", f"## {method.upper()} {path}", ""]
        for parameter in operation.get("parameters", []):
            required = "required" if parameter.get("required") else "optional"
            text = parameter.get("description") or parameter["schema"].get("description", "")
            lines.append(f"- {parameter['in']} `{parameter['name']}` ({required}) {text}".rstrip())
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body is not None:
            lines += ["", "Request body:", ""]
            lines += _fields(body["schema"], schemas)
        for status, response in operation["responses"].items():
            if status >= "400":
                continue
            lines += ["", f"{status}: {response['description']}", ""]
            media = response.get("content", {}).get("application/json")
            if media is not None:
                lines += _fields(media["schema"], schemas)
        lines += ["", "Errors:", "", "| status | codes |", "|---|---|"]
        for status, response in operation["responses"].items():
            if status >= "400":
                lines.append(f"| {status} | {response['description']} |")
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


def _anchor(method: str, path: str) -> str:
    return "".join(c for c in f"{method} {path}".lower().replace(" ", "-") if c.isalnum() or c in "-_")


def _fields(schema: Mapping[str, Any], schemas: Mapping[str, Any]) -> list[str]:
    options = schema.get("oneOf", schema.get("anyOf", [schema]))
    lines: list[str] = []
    for option in options:
        name = option.get("$ref", "").rsplit("/", 1)[-1]
        model = schemas.get(name, option)
        if len(options) > 1:
            lines.append(f"- one of: **{name}**: {model.get('description', '')}".rstrip())
        required = set(model.get("required", []))
        indent = "  " if len(options) > 1 else ""
        for field, spec in model.get("properties", {}).items():
            optional = "" if field in required else " (optional)"
            lines.append(f"{indent}- `{field}`{optional}: {spec.get('description', '')}".rstrip())
    return lines


# --- The tool -----------------------------------------------------------------------------------------------


def rendered() -> dict[Path, str]:
    document = api_document()
    return {
        DOCUMENT_PATH: json.dumps(document, indent=2, ensure_ascii=False) + "\n",
        REFERENCE_PATH: api_reference(document),
    }


def stale_files() -> list[Path]:
    return [path for path, text in rendered().items() if not path.exists() or path.read_text() != text]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.openapi", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="change nothing; fail if a file is stale")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_files()
        for path in stale:
            print(f"{path.relative_to(ROOT)} is stale: run `make openapi` and commit it", file=sys.stderr)
        return 1 if stale else 0
    for path, text in rendered().items():
        path.write_text(text)
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
