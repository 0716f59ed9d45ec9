"""The XML documents COS exchanges besides errors: tagging, copy and multipart results, listings.

Shapes follow what qcloud_cos sends (cos_comm.format_xml / dict_to_xml) and reads (cos_comm.xml_to_dict)."""

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from urllib.parse import quote

from .config import CorsRule
from .errors import MalformedXMLError
from .store import ListingPage, MultipartUpload, Part

XmlFields = Mapping[str, "str | int | XmlFields | Sequence[XmlFields | str]"]


def iso_time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse(body: bytes, root: str) -> ET.Element:
    # Bodies come from the loopback test clients; expat in Python 3.11 refuses entity-expansion bombs.
    try:
        element = ET.fromstring(body)  # noqa: S314
    except ET.ParseError:
        raise MalformedXMLError() from None
    if local_name(element.tag) != root:
        raise MalformedXMLError(f"The root element must be <{root}>.")
    return element


def children(element: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in element if local_name(child.tag) == name]


def text_of(element: ET.Element, name: str) -> str:
    found = children(element, name)
    if len(found) != 1:
        raise MalformedXMLError(f"<{local_name(element.tag)}> needs exactly one <{name}>.")
    return found[0].text or ""


def parse_tagging(body: bytes) -> list[tuple[str, str]]:
    """`<Tagging><TagSet><Tag><Key/><Value/></Tag>...</TagSet></Tagging>` → [(key, value)]."""
    tag_sets = children(parse(body, "Tagging"), "TagSet")
    if len(tag_sets) != 1:
        raise MalformedXMLError("<Tagging> needs exactly one <TagSet>.")
    return [(text_of(tag, "Key"), text_of(tag, "Value")) for tag in children(tag_sets[0], "Tag")]


def parse_delete(body: bytes) -> tuple[bool, list[str]]:
    """`<Delete><Quiet>true</Quiet><Object><Key/></Object>...</Delete>` → (quiet, keys)."""
    root = parse(body, "Delete")
    quiet = [child.text or "" for child in children(root, "Quiet")]
    return (quiet[:1] == ["true"], [text_of(item, "Key") for item in children(root, "Object")])


def delete_result(deleted: Iterable[str], refused: Iterable[tuple[str, str, str]]) -> bytes:
    return render(
        "DeleteResult",
        {
            "Deleted": [{"Key": key} for key in deleted],
            "Error": [{"Key": key, "Code": code, "Message": message} for key, code, message in refused],
        },
    )


def parse_completion(body: bytes) -> list[tuple[int, str]]:
    """`<CompleteMultipartUpload><Part><PartNumber/><ETag/></Part>...` → [(number, etag)]."""
    parts = []
    for part in children(parse(body, "CompleteMultipartUpload"), "Part"):
        number = text_of(part, "PartNumber")
        if not number.isdigit():
            raise MalformedXMLError("<PartNumber> must be a number.")
        parts.append((int(number), text_of(part, "ETag")))
    return parts


def build(parent: ET.Element, fields: XmlFields) -> None:
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            child = ET.SubElement(parent, name)
            if isinstance(item, Mapping):
                build(child, item)
            else:
                child.text = str(item)


def render(root: str, fields: XmlFields) -> bytes:
    element = ET.Element(root)
    build(element, fields)
    document: bytes = ET.tostring(element, encoding="utf-8", xml_declaration=True)
    return document


def cors_configuration(rules: Iterable[CorsRule]) -> bytes:
    """GET Bucket cors: one <CORSRule> per rule, repeated elements for each origin, method, header."""
    return render(
        "CORSConfiguration",
        {
            "CORSRule": [
                {
                    "AllowedOrigin": rule.allowed_origins,
                    "AllowedMethod": [method.upper() for method in rule.allowed_methods],
                    "AllowedHeader": rule.allowed_headers,
                    "ExposeHeader": rule.expose_headers,
                    "MaxAgeSeconds": rule.max_age_seconds,
                }
                for rule in rules
            ]
        },
    )


def location_constraint(region: str) -> bytes:
    """GET Bucket location: `<LocationConstraint>ap-singapore</LocationConstraint>`."""
    element = ET.Element("LocationConstraint")
    element.text = region
    document: bytes = ET.tostring(element, encoding="utf-8", xml_declaration=True)
    return document


def versioning_never_enabled() -> bytes:
    """GET Bucket versioning of a bucket that never had versioning: an empty <VersioningConfiguration/>."""
    return render("VersioningConfiguration", {})


def tagging(tags: Iterable[tuple[str, str]]) -> bytes:
    return render("Tagging", {"TagSet": {"Tag": [{"Key": key, "Value": value} for key, value in tags]}})


def copy_result(etag: str, last_modified: float, crc64: int) -> bytes:
    return render(
        "CopyObjectResult", {"ETag": etag, "LastModified": iso_time(last_modified), "CRC64": str(crc64)}
    )


def initiate_result(bucket: str, key: str, upload_id: str) -> bytes:
    return render("InitiateMultipartUploadResult", {"Bucket": bucket, "Key": key, "UploadId": upload_id})


def complete_result(location: str, bucket: str, key: str, etag: str) -> bytes:
    return render(
        "CompleteMultipartUploadResult", {"Location": location, "Bucket": bucket, "Key": key, "ETag": etag}
    )


def listed_key(key: str, encoding_type: str | None) -> str:
    # With encoding-type=url (the SDK always asks for it) the SDK unquotes keys (cos_comm.decode_result).
    return quote(key, safe="/") if encoding_type == "url" else key


def part_listing(
    bucket: str, key: str, upload_id: str, parts: list[Part], encoding_type: str | None
) -> bytes:
    return render(
        "ListPartsResult",
        {
            "Bucket": bucket,
            "Key": listed_key(key, encoding_type),
            "UploadId": upload_id,
            "StorageClass": "STANDARD",
            "PartNumberMarker": 0,
            "NextPartNumberMarker": parts[-1].number if parts else 0,
            "MaxParts": 1000,
            "IsTruncated": "false",
            "Part": [
                {
                    "PartNumber": part.number,
                    "LastModified": iso_time(part.last_modified),
                    "ETag": part.etag,
                    "Size": part.size,
                }
                for part in parts
            ],
        },
    )


def upload_listing(
    bucket: str, prefix: str, uploads: list[MultipartUpload], encoding_type: str | None
) -> bytes:
    return render(
        "ListMultipartUploadsResult",
        {
            "Bucket": bucket,
            "Prefix": listed_key(prefix, encoding_type),
            "MaxUploads": 1000,
            "IsTruncated": "false",
            "Upload": [
                {
                    "Key": listed_key(upload.key, encoding_type),
                    "UploadId": upload.upload_id,
                    "StorageClass": "STANDARD",
                    "Initiated": iso_time(upload.initiated),
                }
                for upload in uploads
            ],
        },
    )


def object_listing(bucket: str, query: Mapping[str, str], page: ListingPage) -> bytes:
    encoding = query.get("encoding-type")
    fields: dict[str, XmlFields | str | int | list[XmlFields]] = {
        "Name": bucket,
        "Prefix": listed_key(query.get("prefix", ""), encoding),
        "Marker": listed_key(query.get("marker", ""), encoding),
        "MaxKeys": query.get("max-keys", "1000"),
        "Delimiter": query.get("delimiter", ""),
        "IsTruncated": "true" if page.next_marker is not None else "false",
    }
    if encoding:
        fields["EncodingType"] = encoding
    if page.next_marker is not None:
        fields["NextMarker"] = listed_key(page.next_marker, encoding)
    fields["Contents"] = [
        {
            "Key": listed_key(stored.key, encoding),
            "LastModified": iso_time(stored.last_modified),
            "ETag": stored.etag,
            "Size": stored.size,
            "StorageClass": "STANDARD",
        }
        for stored in page.contents
    ]
    fields["CommonPrefixes"] = [{"Prefix": listed_key(prefix, encoding)} for prefix in page.common_prefixes]
    return render("ListBucketResult", fields)
