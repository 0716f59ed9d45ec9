"""Bucket CORS: preflight answers and the headers of actual cross-origin responses, from CorsRules.

Browsers PUT straight to the bucket with signed headers, so a missing rule must fail here as in COS."""

from collections.abc import Sequence

from .config import CorsRule
from .errors import AccessForbiddenError
from .wire import Headers


def origin_allowed(rule: CorsRule, origin: str) -> bool:
    return "*" in rule.allowed_origins or origin in rule.allowed_origins


def method_allowed(rule: CorsRule, method: str) -> bool:
    return method.upper() in (allowed.upper() for allowed in rule.allowed_methods)


def headers_allowed(rule: CorsRule, requested: Sequence[str]) -> bool:
    allowed = {header.lower() for header in rule.allowed_headers}
    return "*" in allowed or all(header in allowed for header in requested)


def matching_rule(
    rules: Sequence[CorsRule], origin: str, method: str, requested: Sequence[str]
) -> CorsRule | None:
    """The first rule allowing this origin, method and request headers (COS and S3 use the first match)."""
    for rule in rules:
        if origin_allowed(rule, origin) and method_allowed(rule, method) and headers_allowed(rule, requested):
            return rule
    return None


def requested_headers(value: str | None) -> list[str]:
    return [header.strip().lower() for header in (value or "").split(",") if header.strip()]


def preflight(
    rules: Sequence[CorsRule], origin: str | None, method: str | None, request_headers: str | None
) -> Headers:
    """Headers answering an OPTIONS preflight; AccessForbidden when no rule allows it."""
    if not origin or not method:
        raise AccessForbiddenError("A CORS preflight needs Origin and Access-Control-Request-Method headers.")
    requested = requested_headers(request_headers)
    rule = matching_rule(rules, origin, method, requested)
    if rule is None:
        raise AccessForbiddenError()
    headers = [
        ("Access-Control-Allow-Origin", origin),
        ("Access-Control-Allow-Methods", ",".join(method.upper() for method in rule.allowed_methods)),
        ("Access-Control-Max-Age", str(rule.max_age_seconds)),
        ("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
    ]
    if requested:
        headers.append(("Access-Control-Allow-Headers", ",".join(requested)))
    if rule.expose_headers:
        headers.append(("Access-Control-Expose-Headers", ",".join(rule.expose_headers)))
    return headers


def response_headers(rules: Sequence[CorsRule], origin: str | None, method: str) -> Headers:
    """CORS headers for an actual (non-preflight) response; none when the origin is not allowed."""
    if not origin:
        return []
    rule = matching_rule(rules, origin, method, [])
    if rule is None:
        return []
    headers = [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]
    if rule.expose_headers:
        headers.append(("Access-Control-Expose-Headers", ",".join(rule.expose_headers)))
    return headers
