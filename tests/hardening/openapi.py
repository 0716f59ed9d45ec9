"""The OpenAPI document of the whole HTTP API, merged from what each function's resolver emits, so the
fuzzer is driven by the same document clients are given and not by a hand-written copy."""

import json
from functools import cache
from typing import Any

from localcloud.gateway import ROUTES, load_function
from localcloud.stack import Stack, StackOptions


def function_document(function: str) -> dict[str, Any]:
    """functions/<function>/app.py imported under a deployment's environment, as the gateway imports it."""
    module = load_function(function, Stack(StackOptions()).function_env())
    document: dict[str, Any] = json.loads(module.app.get_openapi_json_schema())
    return document


@cache
def api_document() -> dict[str, Any]:
    """One document with every route of every HTTP function (their schemas merged; a name two functions
    define differently would be a conflict a client cannot resolve, so it fails here)."""
    merged: dict[str, Any] = {}
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for function in sorted({route.function for route in ROUTES}):
        document = function_document(function)
        merged = merged or {
            key: value for key, value in document.items() if key not in ("paths", "components")
        }
        for path, operations in document["paths"].items():
            assert path not in paths, f"{path} is served by two functions"
            paths[path] = operations
        for name, schema in document.get("components", {}).get("schemas", {}).items():
            assert schemas.get(name, schema) == schema, f"{function} redefines the schema {name}"
            schemas[name] = schema
    return {**merged, "paths": paths, "components": {"schemas": schemas}}
