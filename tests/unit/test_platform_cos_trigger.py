"""COS trigger parsing: typed records with the real bucket, region and decoded key, and never the
uploader's credentials."""

import pytest

from faceid_relay.platform.cos_trigger import CosObjectEvent, MalformedCosEventError, parse_cos_event


def test_an_upload_event_becomes_one_typed_record(load_event):
    (record,) = parse_cos_event(load_event("hash_on_upload.scf-cos"))

    assert record == CosObjectEvent(
        bucket="faceid-relay-singapore-1250000000",
        appid="1250000000",
        region="ap-singapore",
        key="uploads/compare-image/c4e8a1f05b2d4c6e8f0a1b3c5d7e9f10",
        size=48213,
        event_name="cos:ObjectCreated:Put",
        request_id="NjRmMWE3YjJfOWMzZDRlNWZfMWEyYl8zYzRk",
        content_type="image/jpeg",
        metadata={"purpose": "compare-image"},
    )


def test_every_record_is_parsed_in_order_with_keys_decoded(load_event):
    records = parse_cos_event(load_event("hash_on_upload.scf-cos-encoded-keys"))

    assert [r.key for r in records] == [
        "uploads/compare-image/my photo 照片.jpg",
        "exports/report 2026+final.csv",
    ]
    assert [r.event_name for r in records] == [
        "cos:ObjectCreated:Put",
        "cos:ObjectCreated:CompleteMultipartUpload",
    ]
    assert records[1].metadata == {}
    assert records[1].content_type == "text/csv"


def test_the_uploaders_authorization_never_reaches_the_record(load_event):
    event = load_event("hash_on_upload.scf-cos")
    signature = event["Records"][0]["event"]["requestParameters"]["requestHeaders"]["Authorization"]

    (record,) = parse_cos_event(event)

    assert signature not in record.model_dump_json()
    assert "q-signature" not in repr(record)


def test_the_prefix_is_stripped_once_so_a_key_repeating_it_survives(load_event):
    event = load_event("hash_on_upload.scf-cos")
    prefix = "/1250000000/faceid-relay-singapore/"
    event["Records"][0]["cos"]["cosObject"]["key"] = f"{prefix}uploads{prefix}copy"

    (record,) = parse_cos_event(event)

    assert record.key == f"uploads{prefix}copy"


def test_region_falls_back_to_the_bucket_region_code_when_the_url_is_not_a_cos_host(load_event):
    event = load_event("hash_on_upload.scf-cos")
    event["Records"][0]["cos"]["cosObject"]["url"] = "http://127.0.0.1:9000/uploads/compare-image/x"
    event["Records"][0]["cos"]["cosBucket"]["region"] = "th"

    (record,) = parse_cos_event(event)

    assert record.region == "ap-bangkok"


def test_numeric_appid_and_metadata_case_are_tolerated(load_event):
    event = load_event("hash_on_upload.scf-cos")
    cos = event["Records"][0]["cos"]
    cos["cosBucket"]["appid"] = 1250000000
    cos["cosObject"]["meta"] = {"X-COS-Meta-Purpose": "compare-image", "content-type": "image/jpeg"}

    (record,) = parse_cos_event(event)

    assert record.bucket == "faceid-relay-singapore-1250000000"
    assert record.metadata == {"purpose": "compare-image"}
    assert record.content_type == "image/jpeg"
    assert record.request_id is None


@pytest.mark.parametrize("event", [None, [], {}, {"Records": []}, {"Records": "x"}], ids=repr)
def test_an_event_without_records_is_refused(event):
    with pytest.raises(MalformedCosEventError, match="no Records") as raised:
        parse_cos_event(event)

    assert raised.value.record is None


def test_a_malformed_record_is_reported_by_index_and_location_without_its_values(load_event):
    event = load_event("hash_on_upload.scf-cos-encoded-keys")
    del event["Records"][1]["cos"]["cosObject"]["size"]

    with pytest.raises(MalformedCosEventError) as raised:
        parse_cos_event(event)

    assert raised.value.record == 1
    assert str(raised.value) == "Records[1]: cos.cosObject.size: Field required"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda cos: cos["cosObject"].update(key="/999/other/uploads/x"), "cosObject.key"),
        (lambda cos: cos["cosObject"].update(key="/1250000000/faceid-relay-singapore/"), "cosObject.key"),
        (lambda cos: cos["cosObject"].update(size=-1), "size"),
        (lambda cos: cos["cosObject"].update(url="http://127.0.0.1/x"), "region"),
    ],
    ids=["foreign prefix", "no key", "negative size", "unknown region"],
)
def test_an_inconsistent_record_is_refused(change, message, load_event):
    event = load_event("hash_on_upload.scf-cos")
    change(event["Records"][0]["cos"])
    event["Records"][0]["cos"]["cosBucket"]["region"] = "xx"

    with pytest.raises(MalformedCosEventError, match=message):
        parse_cos_event(event)
