"""COS resource URLs: FaceID downloads only from COS in its own region (seed FAQ "invalid resourceUrl"), so
a URL must be exactly https://<name>-<appid>.cos.<region>.myqcloud.com/<key>, read as a browser reads it."""

from urllib.parse import quote, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic_core import Url

from faceid_relay.errors import InvalidResourceUrl
from faceid_relay.models.rules import CosLocation, Region, parse_cos_url, split_bucket

REGION: Region = "ap-singapore"
BUCKET = "faceid-relay-1250000000"
HOST = f"{BUCKET}.cos.{REGION}.myqcloud.com"
# FaceID's own example (tccli-intl examples.json, reference §1.3): key percent-encoded, presigned query.
FACEID_RESOURCE_URL = (
    "https://singapore-1257237511.cos.ap-singapore.myqcloud.com/faceid%2FApplyWebVerificationToken%2F"
    "2e546a7c-4e12-43f6-bf98-d33d3724ea5b?q-sign-algorithm=sha1&q-ak=AKIDeQ4Zsyob70ywoF8ijZDj5IJ8bzBHfuQk"
    "&q-sign-time=1637205677%3B1637212877&q-key-time=1637205677%3B1637212877&q-header-list=host"
    "&q-url-param-list=&q-signature=32302bad71219f9ebcae6f4703ae05b0ae33378f"
)


@pytest.mark.parametrize(
    ("url", "location"),
    [
        (
            FACEID_RESOURCE_URL,
            CosLocation(
                bucket="singapore-1257237511",
                region=REGION,
                key="faceid/ApplyWebVerificationToken/2e546a7c-4e12-43f6-bf98-d33d3724ea5b",
            ),
        ),
        (
            f"https://{HOST}/uploads/compare-image/a.jpg",
            CosLocation(bucket=BUCKET, region=REGION, key="uploads/compare-image/a.jpg"),
        ),
        (f"https://{HOST}:443/k", CosLocation(bucket=BUCKET, region=REGION, key="k")),
        (
            f"https://{HOST}/photo%20one.jpg?x=1",
            CosLocation(bucket=BUCKET, region=REGION, key="photo one.jpg"),
        ),
        (f"https://{HOST}/%E7%85%A7%E7%89%87.png", CosLocation(bucket=BUCKET, region=REGION, key="照片.png")),
    ],
)
def test_a_cos_url_in_the_deployment_region_gives_bucket_region_and_decoded_key(
    url: str, location: CosLocation
) -> None:
    assert parse_cos_url(url, region=REGION) == location


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        # look-alike hosts
        (f"https://{HOST}.evil.com/k", "not a COS bucket host"),
        ("https://cos.ap-singapore.myqcloud.com@evil.com/k", "user name"),
        (f"https://evil.com/{HOST}/k", "not a COS bucket host"),
        (f"https://evil.com?{HOST}/k", "not a COS bucket host"),
        (f"https://{BUCKET}.cos.ap-singapore.myqcloud.com.cn/k", "not a COS bucket host"),
        (f"https://{BUCKET}.cos.ap-singapore.tencentcos.cn/k", "not a COS bucket host"),
        (f"https://{BUCKET}.cos-website.ap-singapore.myqcloud.com/k", "not a COS bucket host"),
        ("https://cos.ap-singapore.myqcloud.com/k", "not a COS bucket host"),
        (f"https://{BUCKET}.cos.{REGION}.myqcloud.com%2eevil.com/k", "not a COS bucket host"),
        (f"https://{BUCKET}.cos.{REGION}.xn--myqcloud-.com/k", "not a COS bucket host"),
        (f"https://{BUCKET}.cos.{REGION}.myqcloud.com./k", "ends with a dot"),
        # userinfo, backslashes, ports, schemes
        (f"https://user@{HOST}/k", "user name"),
        (f"https://{HOST}\\@evil.com/k", "backslash"),
        (f"https:\\\\{HOST}/k", "backslash"),
        (f"https://{HOST}:8443/k", "port"),
        (f"https://{HOST}:/k", "port"),
        (f"http://{HOST}/k", "https://"),
        (f"HTTPS://{HOST}/k", "https://"),
        (f"//{HOST}/k", "https://"),
        (f"https:/{HOST}/k", "https://"),
        (f"ftp://{HOST}/k", "https://"),
        # host spelled in ways a browser would rewrite
        (f"https://{BUCKET.upper()}.cos.{REGION}.myqcloud.com/k", "lower-case ASCII"),
        # full-width "com"
        (f"https://{BUCKET}.cos.ap-singapore.myqcloud.\uff43\uff4f\uff4d/k", "not a COS bucket host"),
        # bucket names COS would never create
        (f"https://-relay-1250000000.cos.{REGION}.myqcloud.com/k", "COS bucket name"),
        (f"https://relay_x-1250000000.cos.{REGION}.myqcloud.com/k", "COS bucket name"),
        (f"https://relay.cos.{REGION}.myqcloud.com/k", "COS bucket name"),
        (f"https://relay-x.cos.{REGION}.myqcloud.com/k", "COS bucket name"),
        (f"https://{'a' * 51}-1250000000.cos.{REGION}.myqcloud.com/k", "COS bucket name"),
        # other regions, and regions we do not serve
        (f"https://{BUCKET}.cos.ap-hongkong.myqcloud.com/k", "is in ap-hongkong"),
        (f"https://{BUCKET}.cos.ap-tokyo.myqcloud.com/k", "is in ap-tokyo"),
        # keys
        (f"https://{HOST}", "empty key"),
        (f"https://{HOST}/", "empty key"),
        (f"https://{HOST}/?q-signature=1", "empty key"),
        (f"https://{HOST}?q-signature=1", "empty key"),
        (f"https://{HOST}/a/../b", "dot segments"),
        (f"https://{HOST}/a/%2e%2e/b", "dot segments"),
        (f"https://{HOST}/./b", "dot segments"),
        (f"https://{HOST}/a%2F..%2Fb", "'..' segments"),
        (f"https://{HOST}//b", "starts with '/'"),
        (f"https://{HOST}/a%0Ab", "control characters"),
        (f"https://{HOST}/a%00b", "control characters"),
        (f"https://{HOST}/%FF", "UTF-8"),
        (f"https://{HOST}/k#frag", "fragment"),
        (f"https://{HOST}/{'k' * 851}", "longer than COS allows"),
        # raw control characters and spaces anywhere
        (f"https://{HOST}/a b", "spaces"),
        (f" https://{HOST}/k", "spaces"),
        (f"https://{HOST}/k\r\n", "control characters"),
        (f"https://{HOST}/k\t", "control characters"),
        ("https://" + HOST + "/k?" + "a" * 9000, "longer than"),
    ],
)
def test_anything_but_a_canonical_cos_url_of_this_region_is_refused(url: str, reason: str) -> None:
    with pytest.raises(InvalidResourceUrl) as refused:
        parse_cos_url(url, region=REGION, field="imageUrl")
    assert reason in refused.value.detail
    assert refused.value.body() == {
        "code": "InvalidResourceUrl",
        "message": refused.value.detail,
        "field": "imageUrl",
    }


def test_a_refusal_tells_the_user_what_a_valid_url_looks_like() -> None:
    with pytest.raises(InvalidResourceUrl) as refused:
        parse_cos_url("https://example.com/image.jpg", region=REGION)
    assert "https://<bucket>-<appid>.cos.<region>.myqcloud.com/<key>" in refused.value.detail
    assert "POST /uploads" in refused.value.detail


def test_with_an_appid_only_that_account_s_buckets_pass() -> None:
    url = f"https://{HOST}/k"
    assert parse_cos_url(url, region=REGION, appid="1250000000").bucket == BUCKET
    with pytest.raises(InvalidResourceUrl, match="APPID"):
        parse_cos_url(url, region=REGION, appid="1257237511")


_BUCKET_NAMES = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True)
_APPIDS = st.integers(min_value=1_000_000_000, max_value=1_999_999_999).map(str)
_KEYS = st.lists(
    st.text(
        # Segments are joined with '/', so none may hold one (a leading '/' or a '.' segment is refused).
        alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"), exclude_characters="/"),
        min_size=1,
        max_size=12,
    ).filter(lambda segment: segment not in (".", "..")),
    min_size=1,
    max_size=4,
).map("/".join)


@given(name=_BUCKET_NAMES, appid=_APPIDS, key=_KEYS)
def test_any_valid_bucket_and_key_come_back_as_uploaded(name: str, appid: str, key: str) -> None:
    url = f"https://{name}-{appid}.cos.{REGION}.myqcloud.com/{quote(key, safe='/')}?q-signature=0f"
    assert parse_cos_url(url, region=REGION, appid=appid) == CosLocation(
        bucket=f"{name}-{appid}", region=REGION, key=key
    )


@given(
    head=st.sampled_from([f"https://{HOST}", "https://", f"https://{BUCKET}.cos.", ""]),
    junk=st.text(alphabet="/\\@:.?#%2eE \t-_~aA0", max_size=12),
    tail=st.sampled_from(["", f"{HOST}/k", ".evil.com/k", "/k", f".cos.{REGION}.myqcloud.com/k"]),
)
def test_whatever_passes_points_at_the_same_host_for_every_parser(head: str, junk: str, tail: str) -> None:
    url = head + junk + tail
    try:
        location = parse_cos_url(url, region=REGION)
    except InvalidResourceUrl:
        return
    host = f"{location.bucket}.cos.{REGION}.myqcloud.com"
    assert Url(url).host == host
    assert urlsplit(url).hostname == host


def test_bucket_names_split_into_name_and_appid() -> None:
    assert split_bucket("examplebucket-1250000000") == ("examplebucket", "1250000000")
    assert split_bucket("faceid-resource-sg-1254418846") == ("faceid-resource-sg", "1254418846")
    with pytest.raises(ValueError, match="not a COS bucket name"):
        split_bucket("examplebucket")
