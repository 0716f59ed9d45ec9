"""What a person sees when the callback fails in their browser: one small page per kind of failure saying what
happened and what to do, instead of the JSON an app backend gets. No script, nothing loaded from elsewhere."""

from html import escape
from string import Template

from faceid_relay.errors import (
    InvalidRequest,
    InvalidToken,
    RelayError,
    VerificationExpired,
    VerificationNotFound,
)

# Media ranges that mean "a person's browser" and "an API client" (RFC 9110 §12.5.1).
HTML = "text/html"
JSON = "application/json"
PAGE_HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    # The page's URL carries the BizToken: never send it on to anywhere the page links.
    "Referrer-Policy": "no-referrer",
}
_BAD_LINK = (
    "This verification link does not work",
    "The link is incomplete, was changed, is too old, or was not issued by this service.",
    "Go back to the app or website that sent you here and start the verification again.",
)
_EXPIRED = (
    "This verification has expired",
    "It was not completed in time.",
    "Go back to the app or website that sent you here and start a new verification.",
)
_UNAVAILABLE = (
    "Verification is unavailable right now",
    "We could not get your result from the verification service. Nothing is lost.",
    'Wait a minute, then <a href="">try again</a>. If it keeps happening, go back to the app or website '
    "that sent you here.",
)
_PAGE = Template("""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title</title>
<style>
body{font:1.125rem/1.5 system-ui,sans-serif;margin:0;color:#1a1a1a;background:#fff}
main{max-width:36rem;margin:3rem auto;padding:0 1.25rem}
h1{font-size:1.5rem;line-height:1.25}
a{color:#0b57d0}
small{color:#555}
</style>
</head>
<body>
<main>
<h1>$title</h1>
<p>$what</p>
<p>$action</p>
<p><small>Error code: $code</small></p>
</main>
</body>
</html>
""")


def prefers_html(accept: str | None) -> bool:
    """Whether the Accept header ranks HTML above JSON (a browser navigating), so an API client sending
    `*/*`, `application/json` or nothing keeps getting JSON."""
    return _quality(accept or "", HTML) > _quality(accept or "", JSON)


def _quality(accept: str, media_type: str) -> float:
    """The q the header gives `media_type`, from its most specific matching range (RFC 9110 §12.5.1)."""
    kind = media_type.split("/")[0]
    best: tuple[int, float] = (-1, 0.0)
    for item in accept.split(","):
        range_, *parameters = (part.strip() for part in item.split(";"))
        specificity = {media_type: 2, f"{kind}/*": 1, "*/*": 0}.get(range_.lower())
        if specificity is None or specificity < best[0]:
            continue
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        best = (specificity, quality)
    return best[1]


def error_page(error: RelayError | type[RelayError]) -> str:
    """The page for a failed callback: a bad link, an expired verification, or the service unavailable."""
    kind = error if isinstance(error, type) else type(error)
    if issubclass(kind, InvalidRequest | InvalidToken | VerificationNotFound):
        title, what, action = _BAD_LINK
    elif issubclass(kind, VerificationExpired):
        title, what, action = _EXPIRED
    else:
        title, what, action = _UNAVAILABLE
    return _PAGE.substitute(title=title, what=what, action=action, code=escape(error.code))
