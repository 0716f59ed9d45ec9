"""What the HTTP API answers, camelCase on the wire; every field is described because these models are the
response half of the OpenAPI document."""

from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from faceid_relay.models.rules import BizToken, ComparisonId, Md5Hex, Metadata

if TYPE_CHECKING:
    from faceid_relay.models.records import (
        ComparisonRecord,
        ComparisonRedaction,
        FinalRecord,
        RedactionRecord,
        SessionRecord,
    )

VerificationStatus = Literal["pending", "passed", "failed", "expired", "canceled"]


class ApiResponse(BaseModel):
    """camelCase on the wire whatever the caller's `by_alias`; snake_case in Python."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True, defer_build=True
    )


def examples(*examples: dict[str, Any]) -> ConfigDict:
    """A model's examples: in its JSON schema, and the example of each route that answers with it."""
    return ConfigDict(json_schema_extra={"examples": list(examples)})


_EXPIRES = "2026-11-30T10:15:00Z"
_LINK = {
    "url": "https://relay-1250000000.cos.ap-singapore.myqcloud.com/results/cmp-5f0c/best-frame.jpg?sign=...",
    "md5": "0cc175b9c0f1b6a831c399e269772661",
    "size": 48213,
    "expiresAt": _EXPIRES,
}


class ErrorBody(ApiResponse):
    """Every error answer: a catalogue code, what to do next, and the request field at fault if any."""

    model_config = examples(
        {"code": "InvalidRequest", "message": "returnUrl is required.", "field": "returnUrl"}
    )

    code: str = Field(description="The error's code in the catalogue (shared/faceid_relay/errors.py).")
    message: str = Field(description="What went wrong and what to do next.")
    field: str | None = Field(
        default=None, description="The request field at fault, as the client spelled it."
    )


class StoredMedia(ApiResponse):
    """A file this deployment copied into its bucket (under results/), with what proves it intact."""

    key: str = Field(description="Object key in this deployment's bucket.")
    md5: Md5Hex = Field(description="MD5 of the stored bytes, 32 hex characters.")
    size: int = Field(ge=0, description="Size of the stored bytes.")


class StoredMediaLink(ApiResponse):
    """A short-lived download link to stored media."""

    url: str = Field(description="Presigned GET URL; do not log or share it.")
    md5: Md5Hex = Field(description="MD5 of the file, 32 hex characters: check it after download.")
    size: int = Field(ge=0, description="Size of the file in bytes.")
    expires_at: datetime = Field(description="When `url` stops working (UTC).")


class BucketUpload(ApiResponse):
    """Upload to this deployment's bucket: PUT the bytes to uploadUrl with `headers`, then pass `key`."""

    model_config = examples(
        {
            "key": "uploads/compare-image/9f8e7d6c5b4a39281706f5e4d3c2b1a0",
            "uploadUrl": "https://relay-1250000000.cos.ap-singapore.myqcloud.com/uploads/compare-image/"
            "9f8e7d6c5b4a39281706f5e4d3c2b1a0?sign=...",
            "method": "PUT",
            "headers": {
                "Content-Type": "image/jpeg",
                "x-cos-forbid-overwrite": "true",
                "x-cos-server-side-encryption": "AES256",
                "x-cos-acl": "private",
                "Content-MD5": "nhB9nTcrtoJr2B01NUGR1g==",
            },
            "expiresAt": _EXPIRES,
        }
    )

    key: str = Field(description="The upload's key; pass it to the next call (e.g. as deviceDataKey).")
    upload_url: str = Field(description="Presigned PUT URL; do not log or share it.")
    method: Literal["PUT"] = Field("PUT", description="HTTP method to use with uploadUrl.")
    headers: dict[str, str] = Field(
        description=(
            "Exactly the headers to send with the PUT (they are signed into the URL): Content-Type, "
            "Content-MD5 when an md5 was given, x-cos-forbid-overwrite, x-cos-server-side-encryption and "
            "x-cos-acl (private)."
        )
    )
    expires_at: datetime = Field(description="When uploadUrl stops working (UTC).")


class FaceIdUpload(ApiResponse):
    """Upload to FaceID's own temporary bucket (CreateUploadUrl): kept 2 h; no MD5 is recorded for it."""

    model_config = examples(
        {
            "uploadUrl": "https://faceid-resource-singapore-1254418846.cos.ap-singapore.myqcloud.com/faceid/"
            "ApplyWebVerificationToken/6c1a?sign=...",
            "resourceUrl": "https://faceid-resource-singapore-1254418846.cos.ap-singapore.myqcloud.com/faceid/"
            "ApplyWebVerificationToken/6c1a?sign=...",
            "method": "PUT",
            "expiresAt": _EXPIRES,
            "next": "PUT the bytes to uploadUrl within 2 hours, ...",
        }
    )

    upload_url: str = Field(description="FaceID's presigned PUT URL; do not log or share it.")
    resource_url: str = Field(
        description="The URL to pass on (e.g. as imageUrl) together with the MD5 you computed."
    )
    method: Literal["PUT"] = Field("PUT", description="HTTP method to use with uploadUrl.")
    expires_at: datetime = Field(description="When uploadUrl and resourceUrl stop working (UTC).")
    next: str = Field(description="What you must do next with this upload.")


class SequenceResponse(ApiResponse):
    """The light sequence for the app SDK, checked against FaceID's MD5 and kept in our bucket."""

    model_config = examples(
        {
            "reflectSequenceUrl": "https://relay-1250000000.cos.ap-singapore.myqcloud.com/results/"
            "sequence-1f2e/sequence.bin?sign=...",
            "reflectSequenceMd5": "92eb5ffee6ae2fec3ad71c777531578f",
            "expiresAt": _EXPIRES,
            "requestId": "6f3c1a52-0b7e-4d8e-9a51-2c7e4b9d0f13",
        }
    )

    reflect_sequence_url: str = Field(
        description="Presigned GET URL of the light sequence; hand it to the SDK."
    )
    reflect_sequence_md5: Md5Hex = Field(description="MD5 of the light sequence, 32 hex characters.")
    expires_at: datetime = Field(description="When reflectSequenceUrl stops working (UTC).")
    request_id: str = Field(description="FaceID's RequestId, for support.")


class LivenessComparison(ApiResponse):
    """A liveness comparison (DetectReflectLivenessAndCompare), stored once: POST answers it, GET reads it."""

    model_config = examples(
        {
            "id": "cmp-5f0c3e9b2a7d4c1e8b6a9d0f1e2c3b4a",
            "reference": "signup-42",
            "metadata": {"userId": "u-1234"},
            "result": "Success",
            "description": "Success",
            "similarity": 87.5,
            "passed": True,
            "bestFrame": _LINK,
            "requestId": "6f3c1a52-0b7e-4d8e-9a51-2c7e4b9d0f13",
            "createdAt": "2026-11-30T10:00:00Z",
            "redactedAt": None,
        }
    )

    id: ComparisonId = Field(
        description="The comparison's id: read it again with GET /liveness-comparisons/{id}."
    )
    reference: str | None = Field(description="Your reference, as given.")
    metadata: Metadata | None = Field(description="Your metadata, as given.")
    result: str = Field(
        description="FaceID's result code: Success, or the FailedOperation code saying why not."
    )
    description: str = Field(description="FaceID's description of the result.")
    similarity: float | None = Field(
        ge=0,
        le=100,
        description=(
            "Similarity 0-100 of the live face and the image (FaceID recommends 70+); null once redacted."
        ),
    )
    passed: bool = Field(
        description="True when result is Success and similarity reaches this deployment's threshold."
    )
    best_frame: StoredMediaLink | None = Field(
        description="The best frame, copied into this deployment's bucket, as a short-lived link; null once "
        "redacted."
    )
    request_id: str = Field(description="FaceID's RequestId, for support.")
    created_at: datetime = Field(description="When the comparison was made (UTC).")
    redacted_at: datetime | None = Field(
        description="When its personal data was erased (POST /liveness-comparisons/{id}/redact); else null."
    )

    @classmethod
    def from_record(
        cls, record: "ComparisonRecord", best_frame: StoredMediaLink | None
    ) -> "LivenessComparison":
        return cls(
            id=record.id,
            reference=record.reference,
            metadata=record.metadata,
            result=record.result,
            description=record.description,
            similarity=record.similarity,
            passed=record.passed,
            best_frame=best_frame,
            request_id=record.request_id,
            created_at=record.created_at,
            redacted_at=None,
        )

    @classmethod
    def redacted(cls, record: "ComparisonRecord", redaction: "ComparisonRedaction") -> "LivenessComparison":
        """Erased: the verdict and the app's reference stay; similarity, best frame and metadata are null."""
        return cls.from_record(record, None).model_copy(
            update={"similarity": None, "metadata": None, "redacted_at": redaction.redacted_at}
        )


class VerificationResponse(ApiResponse):
    """A web verification, issued: send the user's browser to verificationUrl."""

    model_config = examples(
        {
            "bizToken": "81EEF678-28EE-4759-A82E-6CBBBE6BC442",
            "verificationUrl": "https://faceid.tencentcloudapi.com/verify?token=81EEF678-28EE-4759-A82E-...",
            "expiresAt": "2026-11-30T10:10:00Z",
        }
    )

    biz_token: BizToken = Field(
        description="FaceID's BizToken; read the result with GET /verifications/{bizToken}."
    )
    verification_url: str = Field(description="FaceID's page to open in the user's browser; do not log it.")
    expires_at: datetime = Field(description="When the user must have started the verification by (UTC).")


class Attempt(ApiResponse):
    """One try of the user within a web verification (FaceID VerificationDetail)."""

    error_code: int | None = Field(description="Final code of this attempt; 0 means passed.")
    error_message: str | None = Field(description="FaceID's message for errorCode.")
    liveness_error_code: int | None = Field(description="Liveness check code; 0 means a live person.")
    compare_error_code: int | None = Field(description="Comparison code; 0 means the face matches the image.")
    similarity: float | None = Field(description="Similarity 0-100 of this attempt.")
    at: datetime | None = Field(
        description="When FaceID received the attempt (UTC); null if FaceID did not say."
    )


class VerificationResult(ApiResponse):
    """The stored truth of a web verification: the redirect to returnUrl is only for the user's eyes."""

    model_config = examples(
        {
            "bizToken": "81EEF678-28EE-4759-A82E-6CBBBE6BC442",
            "status": "passed",
            "reference": "order-1",
            "metadata": {"userId": "u-1234"},
            "extra": None,
            "errorCode": 0,
            "errorMessage": "Success",
            "similarity": 91.2,
            "attempts": [
                {
                    "errorCode": 0,
                    "errorMessage": "Success",
                    "livenessErrorCode": 0,
                    "compareErrorCode": 0,
                    "similarity": 91.2,
                    "at": "2026-11-30T10:02:11Z",
                }
            ],
            "media": {"bestFrame": _LINK},
            "requestId": "0d9a2b7e-51c4-4f0e-8a3b-6e2d1c9f7a40",
            "createdAt": "2026-11-30T10:00:00Z",
            "finalizedAt": "2026-11-30T10:02:15Z",
            "redactedAt": None,
        }
    )

    biz_token: BizToken = Field(description="FaceID's BizToken.")
    status: VerificationStatus = Field(
        description=(
            "pending until the user finishes; then passed, failed, expired (not finished in time), or "
            "canceled (POST /verifications/{bizToken}/cancel). Kept when the verification is redacted."
        )
    )
    reference: str | None = Field(description="Your reference, as given when the verification was issued.")
    metadata: Metadata | None = Field(
        description="Your metadata, as given when the verification was issued; null once redacted."
    )
    extra: str | None = Field(
        description="Extra as FaceID returns it (live flavor; as given at issuance); null once redacted."
    )
    error_code: int | None = Field(description="FaceID's final code (0 = passed); null while pending.")
    error_message: str | None = Field(description="FaceID's message for errorCode.")
    similarity: float | None = Field(
        description="Similarity 0-100 of the last attempt; null while pending and once redacted."
    )
    attempts: list[Attempt] | None = Field(
        description="Every attempt the user made, oldest first; null once redacted."
    )
    media: dict[str, StoredMediaLink] | None = Field(
        description=(
            "Stored media of the last attempt by name (bestFrame, video), as short-lived links; null once "
            "redacted."
        )
    )
    request_id: str | None = Field(
        description="FaceID's RequestId of the call that read the final result (for support); "
        "null while pending."
    )
    created_at: datetime = Field(description="When the verification was issued (UTC).")
    finalized_at: datetime | None = Field(description="When the result was stored (UTC); null while pending.")
    redacted_at: datetime | None = Field(
        description="When its personal data was erased (POST /verifications/{bizToken}/redact); else null."
    )

    @classmethod
    def pending(cls, session: "SessionRecord") -> "VerificationResult":
        """Issued, and the user has not finished yet."""
        return cls._of(session, status="pending", attempts=[], media={})

    @classmethod
    def from_final(
        cls, session: "SessionRecord", final: "FinalRecord", media: dict[str, StoredMediaLink]
    ) -> "VerificationResult":
        """The stored outcome, its media as the links given."""
        outcome = {name: value for name, value in final if name in _FINAL_OUTCOME}
        if final.extra is not None:
            outcome["extra"] = final.extra
        return cls._of(session, **outcome, media=media)

    @classmethod
    def _of(cls, session: "SessionRecord", **outcome: Any) -> "VerificationResult":
        unset = dict.fromkeys(
            ("error_code", "error_message", "similarity", "request_id", "finalized_at", "redacted_at")
        )
        issued = {"metadata": session.metadata, "extra": session.extra}
        return cls(
            biz_token=session.biz_token,
            reference=session.reference,
            created_at=session.created_at,
            **unset | issued | outcome,
        )

    @classmethod
    def redacted(
        cls, session: "SessionRecord", final: "FinalRecord", redaction: "RedactionRecord"
    ) -> "VerificationResult":
        """Erased: the status, the app's reference and FaceID's codes stay; everything about the person is
        null, metadata and Extra too (the app may have put the person in them)."""
        return cls._of(
            session,
            status=final.status,
            error_code=final.error_code,
            error_message=final.error_message,
            request_id=final.request_id,
            finalized_at=final.finalized_at,
            attempts=None,
            media=None,
            metadata=None,
            extra=None,
            redacted_at=redaction.redacted_at,
        )


# What a final record tells about the outcome, beside its media (stored keys, handed out as links).
_FINAL_OUTCOME = frozenset(
    {"status", "error_code", "error_message", "similarity", "attempts", "request_id", "finalized_at"}
)
