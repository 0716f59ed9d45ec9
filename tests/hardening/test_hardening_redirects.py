"""Open redirect: no returnUrl off the allow-list (the gateway's origin), however written, is accepted, and a
same-origin one comes back at the callback exactly re-serialised, only status and reference added."""

import pytest

from tests.hardening.harness import FIGURES, assert_error
from tests.integration.relay import Relay

REFERENCE = "redirect-1"
APPLY = "ApplyWebVerificationBizTokenIntl"
# `{o}` is the allowed origin (http://127.0.0.1:<port>), `{port}` its port, `{other}` another port.
REFUSED = {
    "userinfo makes another host": "http://127.0.0.1:{port}@evil.example/",
    "userinfo before our host": "http://evil.example@127.0.0.1:{port}/demo/result",
    "user and password": "http://user:pass@127.0.0.1:{port}/demo/result",
    "encoded colon in userinfo": "http://127.0.0.1%3A{port}@evil.example/",
    "backslash before @ (urllib differential)": "http://evil.example\\@127.0.0.1:{port}/",
    "backslashes for slashes": "http:\\\\evil.example\\demo",
    "backslash in our path": "{o}\\@evil.example/",
    "upper-case foreign host": "HTTP://EVIL.EXAMPLE/demo/result",
    "trailing dot on a foreign host": "http://evil.example./",
    "our host as a subdomain": "http://127.0.0.1.evil.example:{port}/",
    "letter l for digit 1": "http://127.0.0.l:{port}/",
    "Cyrillic look-alike host": "http://\u0430pp.example/",
    "punycode host": "http://xn--80ak6aa92e.com/",
    "ideographic full stops in a foreign host": "http://evil\u3002example/",
    "another port": "http://127.0.0.1:{other}/demo/result",
    "default port": "http://127.0.0.1/demo/result",
    "https on our host and port": "https://127.0.0.1:{port}/demo/result",
    "ftp scheme": "ftp://127.0.0.1:{port}/demo/result",
    "websocket scheme": "ws://127.0.0.1:{port}/demo/result",
    "javascript:": "javascript:alert(1)",
    "mixed-case javascript: with our origin in a comment": "JaVaScRiPt:alert(document.domain)//{o}/",
    "javascript: with an authority": "javascript://127.0.0.1:{port}/%0Aalert(1)",
    "data: URL": "data:text/html,<script>alert(1)</script>",
    "file: URL": "file:///etc/passwd",
    "protocol-relative foreign": "//evil.example/demo/result",
    "protocol-relative ours": "//127.0.0.1:{port}/demo/result",
    "relative path": "/demo/result",
    "three slashes": "///evil.example/",
    "slash backslash": "/\\evil.example/",
    "percent-encoded dot in a foreign host": "http://evil%2Eexample/",
    "percent-encoded @ in the port": "http://127.0.0.1:{port}%40evil.example/",
    "encoded NUL in the host": "http://127.0.0.1%00.evil.example:{port}/",
    "CR LF in the path": "{o}/demo/result\r\nSet-Cookie: session=stolen",
    "LF in the host": "http://127.0.0.1:{port}\n.evil.example/",
    "tab in the path": "{o}/de\tmo/result",
    "leading space (CVE-2023-24329)": " {o}/demo/result",
    "NUL in the path": "{o}/demo/result\x00",
    "IPv6 loopback": "http://[::1]:{port}/demo/result",
    "localhost": "http://localhost:{port}/demo/result",
    "0.0.0.0": "http://0.0.0.0:{port}/demo/result",  # noqa: S104 - a return URL to refuse, not a bind
    "our origin in a foreign path": "http://evil.example/{o}/demo/result",
    "our origin in a foreign query": "http://evil.example/?{o}",
    "our origin in a foreign fragment": "http://evil.example/#{o}",
    "longer than 2048 characters": "{o}/" + "a" * 2100,
}
# The same origin written differently, and what it must be re-serialised as (WHATWG, like a browser).
ACCEPTED = {
    "as issued": ("{o}/demo/result", "{o}/demo/result"),
    "upper-case scheme": ("HTTP://127.0.0.1:{port}/demo/result", "{o}/demo/result"),
    "trailing dot": ("http://127.0.0.1.:{port}/demo/result", "{o}/demo/result"),
    "hex IPv4": ("http://0x7f.0.0.1:{port}/demo/result", "{o}/demo/result"),
    "decimal IPv4": ("http://2130706433:{port}/demo/result", "{o}/demo/result"),
    "octal IPv4": ("http://0177.0.0.1:{port}/demo/result", "{o}/demo/result"),
    "short IPv4": ("http://127.1:{port}/demo/result", "{o}/demo/result"),
    "full-width digits": (
        "http://\uff11\uff12\uff17.\uff10.\uff10.\uff11:{port}/demo/result",
        "{o}/demo/result",
    ),
    "ideographic full stops": ("http://127\u30020\u30020\u30021:{port}/demo/result", "{o}/demo/result"),
    "leading zero in the port": ("http://127.0.0.1:0{port}/demo/result", "{o}/demo/result"),
    "no slashes after the scheme": ("http:127.0.0.1:{port}/demo/result", "{o}/demo/result"),
    "one slash after the scheme": ("http:/127.0.0.1:{port}/demo/result", "{o}/demo/result"),
    "no path": ("{o}", "{o}/"),
    "dot segments": ("{o}/demo/../demo/./result", "{o}/demo/result"),
    "encoded dot segments": ("{o}/demo/%2e%2e/demo/result", "{o}/demo/result"),
    "query and fragment": ("{o}/demo/result?order=7#done", "{o}/demo/result?order=7#done"),
    "@ in the fragment": ("{o}/demo/result#@evil.example", "{o}/demo/result#@evil.example"),
    "@ in the query": ("{o}/demo/result?next=@evil.example", "{o}/demo/result?next=@evil.example"),
    "encoded CR LF in the path": ("{o}/demo/%0d%0aSet-Cookie:%20a=b", "{o}/demo/%0d%0aSet-Cookie:%20a=b"),
    "non-ASCII path and query": ("{o}/demo/résult?q=é", "{o}/demo/r%C3%A9sult?q=%C3%A9"),
    "repeated parameters": ("{o}/demo/result?a=1&a=2", "{o}/demo/result?a=1&a=2"),
    "empty query": ("{o}/demo/result?", "{o}/demo/result?"),
    # An app's own state in its return URL must come back as it sent it (e.g. signed, or read with
    # decodeURIComponent, which does not turn '+' into a space).
    "parameter without a value": ("{o}/demo/result?flag", "{o}/demo/result?flag"),
    "space encoded as %20": ("{o}/demo/result?state=a%20b", "{o}/demo/result?state=a%20b"),
    "encoded tilde": ("{o}/demo/result?sig=x%7Ey", "{o}/demo/result?sig=x%7Ey"),
}


def fill(template: str, relay: Relay) -> str:
    port = int(relay.base.rsplit(":", 1)[1])
    return template.format(o=relay.base, port=port, other=port + 1)


def with_outcome(url: str, status: str) -> str:
    """The re-serialised returnUrl with status and reference appended to its query, before any fragment."""
    base, hash_mark, fragment = url.partition("#")
    separator = "?" if "?" not in base else "" if base.endswith("?") else "&"
    return f"{base}{separator}status={status}&reference={REFERENCE}{hash_mark}{fragment}"


def test_the_corpus_is_large_enough() -> None:
    assert len(REFUSED) + len(ACCEPTED) >= 30


@pytest.mark.parametrize("template", REFUSED.values(), ids=REFUSED.keys())
def test_a_return_url_off_the_allow_list_is_refused_before_faceid(relay: Relay, template: str) -> None:
    applied = len(relay.faceid_calls(APPLY))

    answer = relay.post("/verifications", {"returnUrl": fill(template, relay), "reference": REFERENCE})

    assert_error(answer, 400)
    body = answer.json()
    assert (body["code"], body["field"]) in {
        ("ReturnUrlNotAllowed", "returnUrl"),
        ("InvalidRequest", "returnUrl"),
    }
    assert len(relay.faceid_calls(APPLY)) == applied
    FIGURES["redirect variants refused"] += 1


@pytest.mark.parametrize(("template", "expected"), ACCEPTED.values(), ids=ACCEPTED.keys())
def test_a_same_origin_return_url_comes_back_re_serialised_with_only_the_outcome_added(
    relay: Relay, template: str, expected: str
) -> None:
    issued = relay.post("/verifications", {"returnUrl": fill(template, relay), "reference": REFERENCE})
    assert issued.status_code == 200, issued.text

    answer = relay.callback(relay.complete_on_faceid(issued.json()["verificationUrl"], "pass"))

    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert not any(character in location for character in "\r\n\t\x00"), repr(location)
    assert "Set-Cookie" not in answer.headers
    assert location == with_outcome(fill(expected, relay), "passed")
    FIGURES["redirect variants accepted (same origin)"] += 1


# A returnUrl that already names a parameter the callback appends could make the app read its own preset
# value (most frameworks take the first), e.g. status=passed after a failed verification.
PRESET = {
    "status preset to passed": "{o}/demo/result?status=passed",
    "reference preset to a victim's": "{o}/demo/result?reference=victim",
    "both, after the app's own": "{o}/demo/result?step=2&status=passed&reference=victim",
    "percent-encoded name": "{o}/demo/result?st%61tus=passed",
    "upper-case name": "{o}/demo/result?STATUS=passed",
    "array name (PHP, Rails)": "{o}/demo/result?status[]=passed",
    "after a semicolon separator": "{o}/demo/result?step=2;status=passed",
    "name without a value": "{o}/demo/result?status",
}


@pytest.mark.parametrize("template", PRESET.values(), ids=PRESET.keys())
def test_a_return_url_that_presets_a_result_parameter_is_refused_naming_the_field(
    relay: Relay, template: str
) -> None:
    applied = len(relay.faceid_calls(APPLY))

    answer = relay.post("/verifications", {"returnUrl": fill(template, relay), "reference": REFERENCE})

    assert_error(answer, 400, "ReturnUrlNotAllowed")
    assert answer.json()["field"] == "returnUrl"
    assert len(relay.faceid_calls(APPLY)) == applied
    FIGURES["return URLs presetting a result parameter refused"] += 1


def test_a_return_url_whose_query_only_resembles_the_result_parameters_is_kept(relay: Relay) -> None:
    url = f"{relay.base}/demo/result?order_status=open&ref=1&x=status"
    issued = relay.post("/verifications", {"returnUrl": url, "reference": REFERENCE})
    assert issued.status_code == 200, issued.text

    answer = relay.callback(relay.complete_on_faceid(issued.json()["verificationUrl"], "fail"))

    assert answer.headers["Location"] == with_outcome(url, "failed")
