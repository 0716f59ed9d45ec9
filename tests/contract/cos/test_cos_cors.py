"""Bucket CORS: browsers on the app's origin may PUT with the signed headers; other origins may not."""

import requests

from tests.contract.cos.harness import APP_ORIGIN, BUCKET, Emulator, md5_b64

KEY = "uploads/compare-image/photo.jpg"
SIGNED_HEADERS = "content-md5,content-type,x-cos-forbid-overwrite"


def preflight(
    emulator: Emulator, origin: str, method: str = "PUT", headers: str = SIGNED_HEADERS
) -> requests.Response:
    return requests.options(
        f"{emulator.url}/{BUCKET}/{KEY}",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": headers,
        },
        timeout=10,
    )


def test_preflight_from_the_app_origin_allows_the_signed_headers_without_a_signature(
    emulator: Emulator,
) -> None:
    response = preflight(emulator, APP_ORIGIN)

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == APP_ORIGIN
    assert "PUT" in response.headers["Access-Control-Allow-Methods"].split(",")
    assert response.headers["Access-Control-Allow-Headers"] == SIGNED_HEADERS
    assert response.headers["Access-Control-Max-Age"] == "600"


def test_preflight_is_refused_for_other_origins_methods_and_headers(emulator: Emulator) -> None:
    refused = [
        preflight(emulator, "https://evil.example"),
        preflight(emulator, APP_ORIGIN, method="DELETE"),
        preflight(emulator, APP_ORIGIN, headers="content-type,x-cos-acl"),
    ]

    for response in refused:
        assert response.status_code == 403
        assert "<Code>AccessForbidden</Code>" in response.text
        assert "Access-Control-Allow-Origin" not in response.headers


def test_actual_responses_expose_etag_to_the_app_origin_only(emulator: Emulator) -> None:
    body = b"jpeg"
    pinned = {
        "Content-MD5": md5_b64(body),
        "Content-Type": "image/jpeg",
    }
    url = emulator.path_style_client().get_presigned_url(Bucket=BUCKET, Key=KEY, Method="PUT", Headers=pinned)

    allowed = requests.put(url, data=body, headers={**pinned, "Origin": APP_ORIGIN}, timeout=10)
    rejected = requests.put(url, data=b"other", headers={**pinned, "Origin": APP_ORIGIN}, timeout=10)
    foreign = requests.put(url, data=body, headers={**pinned, "Origin": "https://evil.example"}, timeout=10)

    assert allowed.status_code == 200
    assert allowed.headers["Access-Control-Allow-Origin"] == APP_ORIGIN
    assert allowed.headers["Access-Control-Expose-Headers"] == "ETag"
    # The browser app can read why COS refused its upload.
    assert (rejected.status_code, rejected.headers["Access-Control-Allow-Origin"]) == (400, APP_ORIGIN)
    assert "Access-Control-Allow-Origin" not in foreign.headers
