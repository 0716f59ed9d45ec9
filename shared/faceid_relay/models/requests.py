"""What the HTTP API accepts, camelCase on the wire, unknown fields refused; every field is described because
these models are the request half of the OpenAPI document."""

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

from faceid_relay.errors import ContentTooLarge, InvalidRequest, UnsupportedContentType
from faceid_relay.models.responses import examples
from faceid_relay.models.rules import (
    MAX_CLIENT_KEY_LENGTH,
    MAX_COS_URL_LENGTH,
    MAX_RETURN_URL_LENGTH,
    PURPOSE_LIMITS,
    UPLOAD_TARGET_ACTIONS,
    Action,
    Md5Hex,
    Metadata,
    Purpose,
    SecurityLevel,
    validate_client_key,
)


class ApiRequest(BaseModel):
    """camelCase on the wire (snake_case accepted from Python); unknown fields are an error, and inputs are
    kept out of error texts (they may be personal data).

    A type problem is a pydantic validation error located at its field; a rule across fields raises the
    catalogue error naming the field, which pydantic (and Powertools' validation) lets through unchanged."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        hide_input_in_errors=True,
        defer_build=True,
    )


def _level_as_text(value: object) -> object:
    # FaceID's SecurityLevel is a string; a JSON client naturally sends the number.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class CreateUploadRequest(ApiRequest):
    """POST /uploads: where to PUT one file, and the limits it must meet."""

    model_config = examples(
        {
            "purpose": "compare-image",
            "size": 48213,
            "contentType": "image/jpeg",
            "md5": "9e107d9d372bb6826bd81d3542a419d6",
        }
    )

    purpose: Purpose = Field(description="What the file is for; fixes its size limit and content types.")
    size: int = Field(
        gt=0, description="Exact size of the file in bytes; the upload URL accepts exactly this size."
    )
    content_type: Annotated[str, AfterValidator(str.lower)] = Field(
        min_length=1,
        max_length=100,
        description=(
            "Media type of the file: image/jpeg or image/png for compare-image, application/octet-stream for "
            "device-data and live-data. Send the same value as the Content-Type header of the PUT."
        ),
    )
    md5: Md5Hex | None = Field(
        None,
        description=(
            "MD5 of the file, 32 hex characters. When given, COS refuses a PUT whose bytes differ "
            "(it is sent as the Content-MD5 header, base64)."
        ),
    )
    via: Literal["bucket", "faceid"] = Field(
        "bucket",
        description=(
            "bucket: this deployment's bucket (the MD5 is recorded for you). faceid: FaceID's own temporary "
            "bucket via CreateUploadUrl (kept two hours; you must keep the MD5 yourself)."
        ),
    )
    target_action: Action | None = Field(
        None,
        description=(
            "With via=faceid only, and then required: the FaceID action that will read the file "
            "(GenerateReflectSequence, DetectReflectLivenessAndCompare or ApplyWebVerificationToken)."
        ),
    )

    @model_validator(mode="after")
    def _within_purpose_limits(self) -> "CreateUploadRequest":
        limits = PURPOSE_LIMITS[self.purpose]
        if self.content_type not in limits.content_types:
            raise UnsupportedContentType(
                f"{self.purpose.value} uploads must be {' or '.join(sorted(limits.content_types))}. "
                "Send one of those as contentType (and as the PUT's Content-Type).",
                field="contentType",
            )
        if self.size > limits.max_bytes:
            raise ContentTooLarge(
                f"{self.purpose.value} uploads may be at most {limits.max_bytes} bytes, not {self.size}. "
                "Make the file smaller and request a new upload.",
                field="size",
            )
        targets = UPLOAD_TARGET_ACTIONS[self.purpose]
        if self.via == "bucket" and self.target_action is not None:
            raise InvalidRequest(
                "targetAction applies only to via=faceid. Leave it out.", field="targetAction"
            )
        if self.via == "faceid" and self.target_action not in targets:
            raise InvalidRequest(
                f"With via=faceid, a {self.purpose.value} upload needs targetAction "
                f"{' or '.join(sorted(targets))}. Send the action that will read the file.",
                field="targetAction",
            )
        return self


@dataclass(frozen=True)
class ResourceRef:
    """A FaceID resource as a request names it: `<name>Key` (an upload of ours, of `purpose`), or
    `<name>Url` + `<name>Md5` (a COS URL the caller already has). Building one checks exactly one is given."""

    name: str
    purpose: Purpose
    key: str | None = None
    url: str | None = None
    md5: str | None = None

    def __post_init__(self) -> None:
        name = self.name
        if self.key is not None:
            if self.url is not None:
                raise InvalidRequest(f"Give {name}Key or {name}Url, not both.", field=f"{name}Url")
            if self.md5 is not None:
                raise InvalidRequest(
                    f"{name}Md5 goes with {name}Url; {name}Key uses the MD5 recorded at upload. "
                    "Leave it out.",
                    field=f"{name}Md5",
                )
            validate_client_key(self.key, self.purpose, field=f"{name}Key")
            return
        if self.url is None:
            raise InvalidRequest(
                f"Give {name}Key (an upload to this deployment) or {name}Url with {name}Md5.",
                field=f"{name}Key",
            )
        if self.md5 is None:
            raise InvalidRequest(
                f"{name}Md5 is required with {name}Url: send the file's MD5 as 32 hex.", field=f"{name}Md5"
            )


KeyField = Annotated[str, Field(min_length=1, max_length=MAX_CLIENT_KEY_LENGTH)]
UrlField = Annotated[str, Field(min_length=1, max_length=MAX_COS_URL_LENGTH)]
ReferenceField = Annotated[
    str | None,
    Field(
        max_length=64,
        pattern=r"^[A-Za-z0-9._:-]+$",
        description="Your own reference (letters, digits, . _ : -; at most 64), returned as is.",
    ),
]
MetadataField = Annotated[
    Metadata | None,
    Field(
        description=(
            "Your own key-value pairs (at most 20 keys of 1-40 letters, digits, _ . : -; values at most 500 "
            "characters), stored with the record and returned on every read. Put no personal data here."
        ),
    ),
]


class SequenceRequest(ApiRequest):
    """POST /sequences: a light sequence for the SDK's device data (GenerateReflectSequence)."""

    model_config = examples(
        {
            "deviceDataKey": "uploads/device-data/3f2a9c0d4b5e6f708192a3b4c5d6e7f8",
            "securityLevel": "4",
        }
    )

    device_data_key: KeyField | None = Field(
        None, description="Key of a device-data upload to this deployment."
    )
    device_data_url: UrlField | None = Field(
        None, description="Or: COS URL of the device data in this deployment's region (with deviceDataMd5)."
    )
    device_data_md5: Md5Hex | None = Field(
        None, description="MD5 of the data at deviceDataUrl, 32 hex characters."
    )
    security_level: Annotated[SecurityLevel, BeforeValidator(_level_as_text)] = Field(
        "4", description="1 silent, 2 blink, 3 light, 4 blink and light (FaceID's default)."
    )

    @property
    def device_data(self) -> ResourceRef:
        return ResourceRef(
            "deviceData",
            Purpose.DEVICE_DATA,
            self.device_data_key,
            self.device_data_url,
            self.device_data_md5,
        )

    @model_validator(mode="after")
    def _one_device_data(self) -> "SequenceRequest":
        _ = self.device_data
        return self


class LivenessComparisonRequest(ApiRequest):
    """POST /liveness-comparisons: is the SDK's live data a live person, and is it the person in the image?"""

    model_config = examples(
        {
            "liveDataKey": "uploads/live-data/0a1b2c3d4e5f60718293a4b5c6d7e8f9",
            "imageKey": "uploads/compare-image/9f8e7d6c5b4a39281706f5e4d3c2b1a0",
            "reference": "signup-42",
            "metadata": {"userId": "u-1234"},
        }
    )

    live_data_key: KeyField | None = Field(None, description="Key of a live-data upload to this deployment.")
    live_data_url: UrlField | None = Field(
        None, description="Or: COS URL of the live data in this deployment's region (with liveDataMd5)."
    )
    live_data_md5: Md5Hex | None = Field(
        None, description="MD5 of the data at liveDataUrl, 32 hex characters."
    )
    image_key: KeyField | None = Field(None, description="Key of a compare-image upload to this deployment.")
    image_url: UrlField | None = Field(
        None, description="Or: COS URL of the image in this deployment's region (with imageMd5)."
    )
    image_md5: Md5Hex | None = Field(None, description="MD5 of the image at imageUrl, 32 hex characters.")
    reference: ReferenceField = None
    metadata: MetadataField = None

    @property
    def live_data(self) -> ResourceRef:
        return ResourceRef(
            "liveData", Purpose.LIVE_DATA, self.live_data_key, self.live_data_url, self.live_data_md5
        )

    @property
    def image(self) -> ResourceRef:
        return ResourceRef("image", Purpose.COMPARE_IMAGE, self.image_key, self.image_url, self.image_md5)

    @model_validator(mode="after")
    def _two_different_sources(self) -> "LivenessComparisonRequest":
        _ = self.live_data, self.image
        # DetectReflectLivenessAndCompare needs two different resources (reference §1.2).
        same_object = self.image_url is not None and _without_query(self.image_url) == _without_query(
            self.live_data_url
        )
        if same_object or (self.image_md5 is not None and self.image_md5 == self.live_data_md5):
            raise InvalidRequest(
                "The image and the live data are the same file. Send the compare image and the live data.",
                field="imageUrl" if same_object else "imageMd5",
            )
        return self


def _without_query(url: str | None) -> str | None:
    return None if url is None else url.partition("?")[0].partition("#")[0]


class VerificationRequest(ApiRequest):
    """POST /verifications: a web (H5) verification for one user."""

    model_config = examples(
        {
            "compareImageKey": "uploads/compare-image/9f8e7d6c5b4a39281706f5e4d3c2b1a0",
            "returnUrl": "https://app.example.com/verified",
            "reference": "order-1",
            "metadata": {"userId": "u-1234"},
        }
    )

    compare_image_key: KeyField | None = Field(
        None,
        description=(
            "Key of a compare-image upload to compare the face with. A compare image is required by the "
            "legacy flavor; without one the live flavor runs FaceID's own flow (e.g. with an ID document)."
        ),
    )
    compare_image_url: UrlField | None = Field(
        None,
        description=(
            "Or: COS URL of the compare image in this deployment's region (with compareImageMd5), e.g. the "
            "resourceUrl of a POST /uploads with via=faceid and targetAction=ApplyWebVerificationToken. "
            f"The live flavor downloads it once (at most {PURPOSE_LIMITS[Purpose.COMPARE_IMAGE].max_bytes} "
            "bytes) and checks its MD5."
        ),
    )
    compare_image_md5: Md5Hex | None = Field(
        None, description="MD5 of the image at compareImageUrl, 32 hex characters."
    )
    return_url: str = Field(
        min_length=1,
        max_length=MAX_RETURN_URL_LENGTH,
        description=(
            "Where the user's browser goes when done: an https URL on an origin this deployment allows. "
            "status and reference are appended to its query, so it must not have them already; "
            "it must carry no secret (anyone holding the BizToken can replay the callback and read it). "
            "Read the result with GET /verifications/{bizToken}."
        ),
    )
    reference: ReferenceField = None
    extra: str | None = Field(
        None,
        max_length=1000,
        description=(
            "Passed through FaceID as Extra and returned on reads "
            "(live flavor only; at most 1000 characters)."
        ),
    )
    metadata: MetadataField = None

    @property
    def compare_image(self) -> ResourceRef | None:
        """None when the request names no compare image at all."""
        if (
            self.compare_image_key is None
            and self.compare_image_url is None
            and self.compare_image_md5 is None
        ):
            return None
        return ResourceRef(
            "compareImage",
            Purpose.COMPARE_IMAGE,
            self.compare_image_key,
            self.compare_image_url,
            self.compare_image_md5,
        )

    @model_validator(mode="after")
    def _one_compare_image(self) -> "VerificationRequest":
        _ = self.compare_image
        return self
