"""Return URLs: only exact allowed origins pass, compared the way a browser parses the URL, and the caller
gets the re-serialised URL back — never its raw text (peers.md §6.1 parser-differential table, and more)."""

from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic_core import Url

from faceid_relay.errors import ReturnUrlNotAllowed
from faceid_relay.models.rules import MAX_RETURN_URL_LENGTH, ReturnUrlPolicy, parse_origin

ALLOWED = ("https://app.example.com", "http://localhost:3000", "https://apple.example")
ALLOWED_HOSTS = {"app.example.com", "localhost", "apple.example"}
policy = ReturnUrlPolicy(ALLOWED)


@pytest.mark.parametrize(
    ("url", "redirect_to"),
    [
        ("https://app.example.com/kyc/done", "https://app.example.com/kyc/done"),
        ("https://app.example.com/done?step=2#top", "https://app.example.com/done?step=2#top"),
        # Case, the trailing dot of the host and the default port name the same origin.
        ("https://APP.Example.COM./done", "https://app.example.com/done"),
        ("https://app.example.com:443/done", "https://app.example.com/done"),
        ("https://app.example.com", "https://app.example.com/"),
        # Dot segments are resolved and non-ASCII is percent-encoded, as a browser would send them.
        ("https://app.example.com/a/../../done", "https://app.example.com/done"),
        ("https://app.example.com/ü?q=ö", "https://app.example.com/%C3%BC?q=%C3%B6"),
        # Encoded slashes stay encoded: the path is the app's business, the origin is what we check.
        ("https://app.example.com/a%2F..%2Fb", "https://app.example.com/a%2F..%2Fb"),
        # Full-width letters map to ASCII in every browser (IDNA): the same host.
        ("https://\uff41\uff50\uff50.example.com/done", "https://app.example.com/done"),
        ("http://localhost:3000/demo", "http://localhost:3000/demo"),
    ],
)
def test_an_allowed_url_comes_back_re_serialised(url: str, redirect_to: str) -> None:
    assert policy.check(url) == redirect_to


@pytest.mark.parametrize(
    "url",
    [
        # peers.md §6.1
        "https://app.example.com@evil.com/x",
        "https://evil.com\\@app.example.com/",
        "https:\\\\evil.com/",
        "//evil.com/x",
        "javascript:alert(1)",
        "https://app.example.com.evil.com/",
        # userinfo in every spelling
        "https://user:pass@app.example.com/",
        "https://user@app.example.com/",
        "https://app.example.com:@evil.com/",
        # backslashes, even when they would resolve to an allowed host
        "https://app.example.com\\done",
        "https://app.example.com/\\\\evil.com",
        # other schemes and protocol-relative forms
        "JavaScript:alert(document.domain)//https://app.example.com/",
        "data:text/html,<script>alert(1)</script>",
        "ftp://app.example.com/",
        "wss://app.example.com/",
        "///evil.com/",
        "app.example.com/done",
        "/done",
        "",
        # plain http off loopback, other ports, other loopback origins than the allowed one
        "http://app.example.com/",
        "https://app.example.com:8443/",
        "http://localhost:3001/",
        "https://localhost:3000/",
        "http://127.0.0.1:3000/",
        "https://0x7f.1/",
        # look-alikes: the allowed origin as a path, query, fragment or subdomain of another host
        "https://evil.com/https://app.example.com/",
        "https://evil.com?https://app.example.com",
        "https://evil.com#@app.example.com",
        "https://app.example.com%2eevil.com/",
        "https://app%2eexample%2ecom.evil.com/",
        "https://app.example.com..evil.com/",
        # IDN look-alikes of an allowed host (Cyrillic a), in Unicode and punycode
        "https://\u0430pple.example/",
        "https://xn--pple-43d.example/",
        # control characters and surrounding spaces: refused, never silently stripped
        "https://app.example.com/done\r\nSet-Cookie: session=1",
        "https://app.example.com/a\tb",
        "https://app.example.com/\x00",
        " https://app.example.com/",
        "https://app.example.com/ ",
        # too long
        "https://app.example.com/" + "a" * MAX_RETURN_URL_LENGTH,
    ],
)
def test_an_open_redirect_attempt_is_refused_naming_returnurl(url: str) -> None:
    with pytest.raises(ReturnUrlNotAllowed) as refused:
        policy.check(url)
    assert refused.value.body()["field"] == "returnUrl"
    assert refused.value.status == 400


def test_a_refusal_says_which_origin_was_seen_and_which_are_allowed() -> None:
    with pytest.raises(ReturnUrlNotAllowed) as refused:
        policy.check("https://evil.com\\@app.example.com/")
    assert "backslash" in refused.value.detail
    with pytest.raises(ReturnUrlNotAllowed) as refused:
        policy.check("https://app.example.com@evil.com/")
    assert "user name" in refused.value.detail
    with pytest.raises(ReturnUrlNotAllowed) as refused:
        policy.check("https://APP.example.com.evil.com/x")
    assert "https://app.example.com.evil.com is not allowed" in refused.value.detail
    assert "https://app.example.com" in refused.value.detail


def test_a_policy_without_origins_refuses_everything() -> None:
    with pytest.raises(ReturnUrlNotAllowed, match="none configured"):
        ReturnUrlPolicy([]).check("https://app.example.com/")


_PREFIXES = st.sampled_from(
    [
        "https://app.example.com",
        "https://app.example.com/",
        "https://app.example.com.",
        "https://app.example.com:443",
        "https://evil.com",
        "https://app.example.com@evil.com",
        "https://evil.com@app.example.com",
        "http://localhost:3000",
        "//app.example.com",
        "https:",
        "",
    ]
)
_TAILS = st.text(alphabet=st.characters(codec="utf-8"), max_size=40) | st.text(
    alphabet="/\\@:.?#%2eE \t\r\n-_~!$&'()*+,;=", max_size=20
)


@given(prefix=_PREFIXES, tail=_TAILS)
def test_whatever_passes_is_read_as_an_allowed_origin_by_every_parser(prefix: str, tail: str) -> None:
    try:
        redirect_to = policy.check(prefix + tail)
    except ReturnUrlNotAllowed:
        return
    # The browser's parser and Python's own agree on where the redirect goes...
    parsed = Url(redirect_to)
    assert (parsed.host or "").removesuffix(".") in ALLOWED_HOSTS
    assert urlsplit(redirect_to).hostname in ALLOWED_HOSTS
    # ...and the answer is already in canonical form: nothing for a later parse to reinterpret.
    assert str(parsed) == redirect_to
    assert not any(c.isspace() or ord(c) < 0x20 for c in redirect_to)


@pytest.mark.parametrize(
    ("origin", "canonical"),
    [
        ("https://App.Example.com:443", "https://app.example.com"),
        ("https://app.example.com/", "https://app.example.com"),
        ("https://app.example.com:8443", "https://app.example.com:8443"),
        ("http://127.0.0.1:5173", "http://127.0.0.1:5173"),
        ("http://[::1]:8080", "http://[::1]:8080"),
        ("https://bücher.example", "https://xn--bcher-kva.example"),
    ],
)
def test_an_allowed_origin_is_kept_as_browsers_send_it(origin: str, canonical: str) -> None:
    assert parse_origin(origin) == canonical


@pytest.mark.parametrize(
    "origin",
    [
        "http://app.example.com",
        "https://app.example.com/kyc",
        "https://app.example.com?x=1",
        "https://user@app.example.com",
        "https://app.example.com.",
        "app.example.com",
        "*",
        "javascript:alert(1)",
    ],
)
def test_an_allow_list_entry_that_is_not_a_secure_origin_is_a_configuration_mistake(origin: str) -> None:
    with pytest.raises(ValueError, match=r"origin|https"):
        ReturnUrlPolicy([origin])


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("status=passed", "status"),
        ("a=1&reference=victim", "reference"),
        ("Reference=x", "reference"),
        ("%73tatus=passed", "status"),
        ("+status=passed", "status"),
        ("status%5B%5D=passed", "status"),
        ("a=1;status", "status"),
    ],
)
def test_a_query_presetting_a_result_parameter_is_refused_naming_it(query: str, named: str) -> None:
    with pytest.raises(ReturnUrlNotAllowed) as refused:
        policy.check(f"https://app.example.com/done?{query}")

    assert refused.value.field == "returnUrl"
    assert named in refused.value.detail


@pytest.mark.parametrize("query", ["statuses=1", "my_status=1", "x=status", "ref=1", "s=reference"])
def test_a_query_with_names_that_only_resemble_the_result_parameters_passes(query: str) -> None:
    assert policy.check(f"https://app.example.com/done?{query}") == f"https://app.example.com/done?{query}"
