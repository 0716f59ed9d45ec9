"""The HTTP edge every function shares, so each reads like a Powertools example: one validating resolver,
one mapping of every failure to `{code, message, field?}`, the app-token check, and the entry point."""

import hmac
import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from http import HTTPStatus
from typing import Annotated, Any
from urllib.parse import urlsplit

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, CORSConfig, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.event_handler.openapi.params import Header
from aws_lambda_powertools.event_handler.openapi.types import (
    OpenAPIResponse,
    OpenAPIResponseContentModel,
    OpenAPIResponseContentSchema,
)
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import SecretStr

from faceid_relay.errors import (
    ContentTooLarge,
    InternalError,
    InvalidRequest,
    RelayError,
    RouteNotFound,
    Unauthorized,
    UnsupportedContentType,
    UnsupportedEvent,
)
from faceid_relay.models.responses import ErrorBody
from faceid_relay.observability import event_function, record_error
from faceid_relay.pages import HTML, PAGE_HEADERS, error_page, prefers_html
from faceid_relay.platform.http import (
    UnsupportedEventError,
    body_is_text,
    body_size,
    json_response,
    to_http_api_v2,
    to_platform_response,
)
from faceid_relay.settings import DEFAULT_MAX_BODY_BYTES

Handler = Callable[[Any, Any], dict[str, Any]]

# What browsers may send cross-origin (Powertools would also allow its X-Amz-* headers, which we never read).
CORS_ALLOW_HEADERS = frozenset({"Authorization", "Content-Type", "Idempotency-Key"})
# Lets browser code read how long to wait after a 429.
CORS_EXPOSE_HEADERS = ("Retry-After",)
# Pydantic prefixes the messages of custom validators with these; the client needs only the reason.
_VALIDATOR_PREFIXES = ("Value error, ", "Assertion failed, ")
# Every request body is a flat JSON object of a few KB; these bound what parsing one may cost. Deeper nesting
# made json.loads raise RecursionError, a longer integer Python's int-string limit (4,300 digits): both 500s.
MAX_JSON_DEPTH = 16
MAX_JSON_INTEGER_DIGITS = 32
# What a client-written name must look like to be echoed in an error's field (every field of ours does).
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_JSON_BRACKET = re.compile(r"[\[\]{}]")


def create_resolver(
    *,
    cors_origins: Sequence[str] = (),
    strip_prefixes: Sequence[str] = (),
    logger: Logger | logging.Logger | None = None,
    error_pages: bool = False,
) -> APIGatewayHttpResolver:
    """A validating resolver whose every error is `{code, message, field?}` JSON. A function reads:

        app = create_resolver(cors_origins=settings.cors_origins, logger=logger)

        @app.post("/verifications")
        def issue_verification(request: IssueVerification) -> Verification: ...

        handler = http_handler(app, logger, app_token=settings.app_token)

    cors_origins: exact origins (`https://app.example.com`) allowed to call from a browser; none → CORS off.
    strip_prefixes: path prefixes an API Gateway publishes the function under (see platform/http.py).
    logger: where unexpected errors are logged (the function's Powertools Logger; stdlib otherwise).
    error_pages: errors are an HTML page (pages.py) when the request prefers HTML: for routes a person's
    browser opens (the callback); API clients keep the JSON."""
    resolver = APIGatewayHttpResolver(
        cors=_cors_config(cors_origins),
        # Powertools' debug mode (POWERTOOLS_DEV) prints every event, bearer token included: never.
        debug=False,
        strip_prefixes=list(strip_prefixes) or None,
        json_body_deserializer=parse_json_body,
        enable_validation=True,
        # Without this, output that breaks a route's return annotation is raised as RequestValidationError and
        # would blame the client; with it, it is ResponseValidationError, answered 500 below.
        response_validation_error_http_code=HTTPStatus.INTERNAL_SERVER_ERROR,
    )

    def error_response(error: RelayError) -> Response[Any]:
        if error_pages and prefers_html(resolver.current_event.headers.get("accept")):
            headers = {**error.headers(), **PAGE_HEADERS}
            return Response(status_code=error.status, body=error_page(error), headers=headers)
        return _error_response(error)

    for exception_class, handle in _error_handlers(
        logger or logging.getLogger(__name__), error_response
    ).items():
        resolver.exception_handler(exception_class)(handle)
    return resolver


def _error_handlers(
    log: Logger | logging.Logger, respond: Callable[[RelayError], Response[Any]]
) -> dict[type[Exception], Callable[[Any], Response[Any]]]:
    """Every failure as the catalogue error `respond` renders (`{code, message, field?}`, or a page).
    Powertools picks the handler of the nearest class in the exception's MRO, so Exception is the fallback."""

    def invalid_request(error: RequestValidationError) -> Response[Any]:
        return respond(_invalid_request(error.errors()))

    def unsupported_media_type(_: RequestUnsupportedContentType) -> Response[Any]:
        return respond(UnsupportedContentType("Send the request body as application/json."))

    def route_not_found(_: NotFoundError) -> Response[Any]:
        return respond(RouteNotFound())

    def relay_error(error: RelayError) -> Response[Any]:
        record_error(error, log)
        return respond(error)

    def unexpected_error(error: Exception) -> Response[Any]:
        log.error("Unhandled error", exc_info=error)
        return respond(InternalError())

    return {
        RequestValidationError: invalid_request,
        RequestUnsupportedContentType: unsupported_media_type,
        NotFoundError: route_not_found,
        RelayError: relay_error,
        Exception: unexpected_error,
    }


# The Idempotency-Key header of a create route (header names arrive lower-cased in the v2 event).
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="idempotency-key",
        description="1-255 printable characters; a retry with the same key and body gets the same answer.",
    ),
]

# What the edge itself can answer on any route (validation, the unexpected, a body too large or not JSON:
# checked before routing, so also on routes that take no body), and on one with a path parameter (a value
# the router's pattern does not match).
EDGE_ERRORS: tuple[type[RelayError], ...] = (
    InvalidRequest,
    InternalError,
    UnsupportedContentType,
    ContentTooLarge,
)
PATH_ERRORS: tuple[type[RelayError], ...] = (RouteNotFound,)


def parse_json_body(text: str) -> Any:
    """A request body as JSON, refusing (400, field body) nesting deeper than MAX_JSON_DEPTH before parsing
    and integers longer than MAX_JSON_INTEGER_DIGITS while parsing, and (400, field the name) a member name
    given twice in one object; invalid JSON raises JSONDecodeError, which the resolver answers as such."""
    depth = 0
    for bracket in _JSON_BRACKET.finditer(_JSON_STRING.sub("", text)):
        depth += 1 if bracket.group() in "[{" else -1
        if depth > MAX_JSON_DEPTH:
            raise InvalidRequest(
                f"The body nests objects or arrays deeper than {MAX_JSON_DEPTH} levels; "
                "send the flat object the route documents.",
                field="body",
            )
    return json.loads(text, parse_int=_bounded_int, object_pairs_hook=_members_once)


def _members_once(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object whose member names are unique. JSON parsers disagree on a repeated name (the first or the
    last wins, or an error), so a proxy or the app could check one value while the relay used another."""
    members: dict[str, Any] = {}
    for name, value in pairs:
        if name in members:
            # Named only when it can be a field of ours: an error never echoes arbitrary input.
            field = name if _is_plain_name(name) else "body"
            raise InvalidRequest(f"{field} is given more than once; send each field once.", field=field)
        members[name] = value
    return members


def _bounded_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_JSON_INTEGER_DIGITS:
        raise InvalidRequest(
            f"The body has an integer longer than {MAX_JSON_INTEGER_DIGITS} digits; no field takes one.",
            field="body",
        )
    return int(digits)


def documented_responses(
    success: Any,
    description: str,
    *,
    status: int = HTTPStatus.OK,
    errors: Iterable[type[RelayError]] = (),
    error_pages: bool = False,
) -> dict[int, OpenAPIResponse]:
    """The OpenAPI responses of a route: its success, and the errors it can return (`errors` plus
    EDGE_ERRORS) by status, each with the `{code, message, field?}` body it really has and an example per
    code (Powertools would document a 422 `{detail}` instead); with `error_pages`, also the HTML page a
    browser gets instead (see create_resolver)."""
    responses: dict[int, OpenAPIResponse] = {
        status: {"description": description, "content": {content_types.APPLICATION_JSON: {"model": success}}}
        if success is not None
        # An empty content map: Powertools would otherwise document the return annotation as a body.
        else {"description": description, "content": {}}
    }
    by_status: dict[int, dict[str, type[RelayError]]] = {}
    for error in (*EDGE_ERRORS, *errors):
        by_status.setdefault(error.status, {})[error.code] = error
    for error_status, codes in sorted(by_status.items()):
        content: dict[str, OpenAPIResponseContentSchema | OpenAPIResponseContentModel] = {
            content_types.APPLICATION_JSON: {
                "model": ErrorBody,
                "examples": {
                    code: {"value": {"code": code, "message": error.message}}
                    for code, error in sorted(codes.items())
                },
            }
        }
        if error_pages:
            content[HTML] = error_pages_content(codes.values())
        responses[error_status] = {"description": ", ".join(sorted(codes)), "content": content}
    return responses


def error_pages_content(errors: Iterable[type[RelayError]]) -> OpenAPIResponseContentSchema:
    """The OpenAPI text/html content of an error status on a route people open (see create_resolver)."""
    return {
        "schema": {"type": "string", "description": "When the request's Accept prefers text/html."},
        "examples": {
            error.code: {"value": error_page(error)} for error in sorted(errors, key=lambda e: e.code)
        },
    }


def _app_token_gate(expected: SecretStr | str) -> Callable[[Mapping[str, Any]], dict[str, Any] | None]:
    """A check of `Authorization: Bearer <expected>` on an adapted (v2) event: None when it passes,
    else the 401 to send. It runs before the resolver, so a caller without the token learns nothing
    of the API, not even how its requests are validated."""
    token = expected.get_secret_value() if isinstance(expected, SecretStr) else expected
    if not token:
        raise ValueError("The app token is empty; refusing to serve without authentication.")
    expected_bytes = token.encode()
    denied = Unauthorized()

    def check(event: Mapping[str, Any]) -> dict[str, Any] | None:
        # CORS preflights never carry credentials (Fetch standard, "CORS-preflight request").
        if event["requestContext"]["http"]["method"] == "OPTIONS":
            return None
        scheme, _, presented = (event["headers"].get("authorization") or "").partition(" ")
        # Bytes, not str: compare_digest rejects non-ASCII str, and a client controls this header.
        if scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), expected_bytes):
            return None
        return json_response(denied.status, denied.body(), denied.headers())

    return check


_CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f]")


def http_handler(
    resolver: APIGatewayHttpResolver,
    logger: Logger,
    *,
    app_token: SecretStr | str | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> Handler:
    """The function's entry point, `handler(event, context)`, for SCF and Lambda alike.

    Wraps the context, adapts the event to HTTP API v2 (an unknown event is answered 400), injects the
    context into the logger with the request id as correlation id, checks the app token when one is
    given, refuses a body over `max_body_bytes` (413) before reading it, resolves, and shapes the response
    for the platform; no answer may be stored by a browser or a proxy."""
    gate = _app_token_gate(app_token) if app_token is not None else None

    def handle(event: Any, context: LambdaContext) -> dict[str, Any]:
        try:
            request = to_http_api_v2(event, request_id=context.aws_request_id)
        except UnsupportedEventError as error:
            logger.set_correlation_id(context.aws_request_id)
            logger.warning("Unsupported event", reason=str(error))
            unsupported = UnsupportedEvent(str(error))
            return json_response(unsupported.status, unsupported.body())
        logger.set_correlation_id(request.event["requestContext"]["requestId"])
        return to_platform_response(_not_stored(answer(request.event, context)), request.shape)

    def answer(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        denied = gate(event) if gate is not None else None
        if denied is not None:
            return denied
        if _CONTROL_CHARACTER.search(event["rawPath"]):
            # Powertools anchors its route patterns with `$`, which also matches before a final newline:
            # `/verifications/<token>\n` would reach the route as `<token>`. No route has such a path.
            not_found = RouteNotFound()
            return json_response(not_found.status, not_found.body())
        if body_size(event) > max_body_bytes:
            too_large = ContentTooLarge(
                f"The request body is larger than {max_body_bytes} bytes; "
                "no request of this API is that large.",
                field="body",
            )
            return json_response(too_large.status, too_large.body())
        if not body_is_text(event):
            invalid = InvalidRequest("The body is not valid JSON.", field="body")
            return json_response(invalid.status, invalid.body())
        if event.get("body") and not _declares_json(event["headers"]):
            unsupported = UnsupportedContentType("Send the request body as application/json.")
            return json_response(unsupported.status, unsupported.body())
        return resolver.resolve(event, context)

    return event_function(handle, logger)


def _declares_json(headers: dict[str, str]) -> bool:
    """Whether a request body is declared JSON (or not declared at all). Media types are case-insensitive
    (RFC 9110 §8.3.1), so the header is rewritten in lower case; Powertools compares it case-sensitively
    by prefix, and would parse form and multipart bodies into the model: this API takes JSON only."""
    declared = headers.get("content-type", "")
    media_type, separator, parameters = declared.partition(";")
    media_type = media_type.strip().lower()
    if media_type not in ("", "application/json"):
        return False
    if declared:
        headers["content-type"] = f"{media_type}{separator}{parameters}"
    return True


def _not_stored(response: dict[str, Any]) -> dict[str, Any]:
    """Every answer of this API carries a presigned URL, a BizToken, personal data or an error about them:
    no browser or proxy may keep a copy (RFC 9111 §5.2.2.5)."""
    headers = response.setdefault("headers", {})
    if not any(name.lower() == "cache-control" for name in headers):
        headers["Cache-Control"] = "no-store"
    return response


def _json(
    status: int, body: Mapping[str, Any], headers: Mapping[str, str] | None = None
) -> Response[dict[str, Any]]:
    return Response(
        status_code=int(status), content_type=content_types.APPLICATION_JSON, body=dict(body), headers=headers
    )


def _error_response(error: RelayError) -> Response[dict[str, Any]]:
    return _json(error.status, error.body(), headers=error.headers())


def _invalid_request(errors: Sequence[Any]) -> InvalidRequest:
    """The first problem, located and explained; never the input (it may be secret or personal)."""
    first: Mapping[str, Any] = errors[0] if errors else {}
    kind = first.get("type")
    field = "body" if kind == "json_invalid" else _field_path(first.get("loc", ()))
    if kind == "json_invalid":
        message = "The body is not valid JSON."
    elif kind == "missing":
        message = "A JSON body is required." if field == "body" else f"{field} is required."
    else:
        reason = str(first.get("msg", "is invalid"))
        for prefix in _VALIDATOR_PREFIXES:
            reason = reason.removeprefix(prefix)
        key = "a key: " if "[key]" in first.get("loc", ()) else ""
        message = f"{field}: {key}{reason.rstrip('.')}."
    if len(errors) > 1:
        message += f" ({len(errors) - 1} more problem{'s' if len(errors) > 2 else ''} in this request.)"
    return InvalidRequest(message, field=field)


def _field_path(loc: Sequence[Any]) -> str:
    """("body", "returnUrl") → "returnUrl"; ("query", "token") → "query.token"; list items as "[0]".

    Powertools reports fields by alias, i.e. the way the client spelled them. A name the client made up (an
    unknown field, a metadata key) is part of the input: the path stops before one that is not a plain short
    name, and a refused mapping key is located at its mapping."""
    parts = list(loc[1:] if loc and loc[0] == "body" else loc)
    if "[key]" in parts:
        parts = parts[: parts.index("[key]") - 1]
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        elif _is_plain_name(str(part)):
            path += f"{'.' if path else ''}{part}"
        else:
            break
    return path or "body"


def _is_plain_name(name: str) -> bool:
    return _PLAIN_NAME.fullmatch(name) is not None


def _cors_config(origins: Sequence[str]) -> CORSConfig | None:
    if not origins:
        return None
    for origin in origins:
        parts = urlsplit(origin)
        exact = f"{parts.scheme}://{parts.netloc}".lower()
        if parts.scheme not in ("https", "http") or not parts.netloc or origin != exact:
            raise ValueError(
                f"A CORS origin must be exactly scheme://host[:port] in lower case, not {origin!r}."
            )
    cors = CORSConfig(
        allow_origin=origins[0], extra_origins=list(origins[1:]), expose_headers=list(CORS_EXPOSE_HEADERS)
    )
    cors.allow_headers = set(CORS_ALLOW_HEADERS)
    return cors
