"""COS trigger parsing: the bucket, the decoded key and the event's kind from any event Tencent publishes
(whatever region code or host it names), and never the uploader's credentials."""

import pytest

from faceid_relay.platform.cos_trigger import CosObjectEvent, MalformedCosEventError, parse_cos_event

SAMPLE_KEY = "uploads/compare-image/0f1e2d3c4b5a69788796a5b4c3d2e1f0"
BUCKET = "faceid-relay-singapore-1250000000"


def test_an_upload_event_becomes_one_typed_record(load_event):
    (record,) = parse_cos_event(load_event("hash_on_upload.scf-cos"))

    assert record == CosObjectEvent(
        bucket=BUCKET,
        key="uploads/compare-image/c4e8a1f05b2d4c6e8f0a1b3c5d7e9f10",
        event_name="cos:ObjectCreated:Put",
    )


@pytest.mark.parametrize(
    ("sample", "event_name"),
    [
        ("hash_on_upload.scf-cos-doc-sample", "cos:ObjectCreated:*"),
        ("hash_on_upload.scf-cos-go-lib", "cos:ObjectCreated:*"),
        ("hash_on_upload.scf-cos-v4-region", "cos:ObjectCreated:Put"),
        ("hash_on_upload.scf-cos-copy", "cos:ObjectCreated:Copy"),
    ],
)
def test_tencents_published_events_are_read_whatever_region_they_name(load_event, sample, event_name):
    """Region codes cd, bj and sgp, hosts cos.ap-chengdu / cosbj / file.myqcloud.com: none is needed."""
    (record,) = parse_cos_event(load_event(sample))

    assert record == CosObjectEvent(bucket=BUCKET, key=SAMPLE_KEY, event_name=event_name)


def test_absent_region_url_and_size_do_not_matter(load_event):
    event = load_event("hash_on_upload.scf-cos")
    cos = event["Records"][0]["cos"]
    del cos["cosBucket"]["region"], cos["cosObject"]["url"], cos["cosObject"]["size"]

    (record,) = parse_cos_event(event)

    assert record.key == "uploads/compare-image/c4e8a1f05b2d4c6e8f0a1b3c5d7e9f10"


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


def test_a_numeric_appid_is_tolerated(load_event):
    event = load_event("hash_on_upload.scf-cos")
    event["Records"][0]["cos"]["cosBucket"]["appid"] = 1250000000

    (record,) = parse_cos_event(event)

    assert record.bucket == BUCKET


@pytest.mark.parametrize("event", [None, [], {}, {"Records": []}, {"Records": "x"}], ids=repr)
def test_an_event_without_records_is_refused(event):
    with pytest.raises(MalformedCosEventError, match="no Records") as raised:
        parse_cos_event(event)

    assert raised.value.record is None


def test_a_malformed_record_is_reported_by_index_and_location_without_its_values(load_event):
    event = load_event("hash_on_upload.scf-cos-encoded-keys")
    del event["Records"][1]["cos"]["cosObject"]["key"]

    with pytest.raises(MalformedCosEventError) as raised:
        parse_cos_event(event)

    assert raised.value.record == 1
    assert str(raised.value) == "Records[1]: cos.cosObject.key: Field required"
    assert [record.key for record in raised.value.readable] == [
        "uploads/compare-image/my photo \u7167\u7247.jpg"
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda cos: cos["cosObject"].update(key="/999/other/uploads/x"), "cosObject.key"),
        (lambda cos: cos["cosObject"].update(key="/1250000000/faceid-relay-singapore/"), "cosObject.key"),
        (lambda cos: cos["cosBucket"].pop("name"), "cosBucket.name"),
    ],
    ids=["foreign prefix", "no key", "no bucket name"],
)
def test_an_inconsistent_record_is_refused(change, message, load_event):
    event = load_event("hash_on_upload.scf-cos")
    change(event["Records"][0]["cos"])

    with pytest.raises(MalformedCosEventError, match=message):
        parse_cos_event(event)
