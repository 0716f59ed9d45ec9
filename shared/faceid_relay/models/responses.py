"""What the HTTP API answers, camelCase on the wire; every field is described because these models are the
response half of the OpenAPI document."""

from datetime import datetime
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from faceid_relay.models.rules import BizToken, Md5Hex

if TYPE_CHECKING:
    from faceid_relay.models.records import FinalRecord, SessionRecord

VerificationStatus = Literal["pending", "passed", "failed", "expired"]


class ApiResponse(BaseModel):
    """camelCase on the wire whatever the caller's `by_alias`; snake_case in Python."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True)


class ErrorBody(ApiResponse):
    """Every error answer: a catalogue code, what to do next, and the request field at fault if any."""

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

    key: str = Field(description="The upload's key; pass it to the next call (e.g. as deviceDataKey).")
    upload_url: str = Field(description="Presigned PUT URL; do not log or share it.")
    method: Literal["PUT"] = Field("PUT", description="HTTP method to use with uploadUrl.")
    headers: dict[str, str] = Field(
        description=(
            "Exactly the headers to send with the PUT (they are signed into the URL): Content-Type, "
            "Content-MD5 when an md5 was given, and x-cos-forbid-overwrite."
        )
    )
    expires_at: datetime = Field(description="When uploadUrl stops working (UTC).")


class FaceIdUpload(ApiResponse):
    """Upload to FaceID's own temporary bucket (CreateUploadUrl): kept 2 h; no MD5 is recorded for it."""

    upload_url: str = Field(description="FaceID's presigned PUT URL; do not log or share it.")
    resource_url: str = Field(
        description="The URL to pass on (e.g. as imageUrl) together with the MD5 you computed."
    )
    method: Literal["PUT"] = Field("PUT", description="HTTP method to use with uploadUrl.")
    expires_at: datetime = Field(description="When uploadUrl and resourceUrl stop working (UTC).")
    next: str = Field(description="What you must do next with this upload.")


class SequenceResponse(ApiResponse):
    """The light sequence for the app SDK, checked against FaceID's MD5 and kept in our bucket."""

    reflect_sequence_url: str = Field(
        description="Presigned GET URL of the light sequence; hand it to the SDK."
    )
    reflect_sequence_md5: Md5Hex = Field(description="MD5 of the light sequence, 32 hex characters.")
    expires_at: datetime = Field(description="When reflectSequenceUrl stops working (UTC).")
    request_id: str = Field(description="FaceID's RequestId, for support.")


class LivenessComparisonResponse(ApiResponse):
    """FaceID's liveness and comparison verdict (DetectReflectLivenessAndCompare)."""

    result: str = Field(
        description="FaceID's result code: Success, or the FailedOperation code saying why not."
    )
    description: str = Field(description="FaceID's description of the result.")
    similarity: float = Field(
        ge=0, le=100, description="Similarity 0-100 of the live face and the image (FaceID recommends 70+)."
    )
    passed: bool = Field(
        description="True when result is Success and similarity reaches this deployment's threshold."
    )
    best_frame: StoredMedia | None = Field(
        description="The best frame, copied into this deployment's bucket."
    )
    request_id: str = Field(description="FaceID's RequestId, for support.")


class VerificationResponse(ApiResponse):
    """A web verification, issued: send the user's browser to verificationUrl."""

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

    biz_token: BizToken = Field(description="FaceID's BizToken.")
    status: VerificationStatus = Field(
        description="pending until the user finishes; then passed, failed, or expired (not finished in time)."
    )
    reference: str | None = Field(description="Your reference, as given when the verification was issued.")
    error_code: int | None = Field(description="FaceID's final code (0 = passed); null while pending.")
    error_message: str | None = Field(description="FaceID's message for errorCode.")
    similarity: float | None = Field(description="Similarity 0-100 of the last attempt.")
    attempts: list[Attempt] = Field(description="Every attempt the user made, oldest first.")
    media: dict[str, StoredMediaLink] = Field(
        description="Stored media of the last attempt by name (bestFrame, video), as short-lived links."
    )
    created_at: datetime = Field(description="When the verification was issued (UTC).")
    finalized_at: datetime | None = Field(description="When the result was stored (UTC); null while pending.")

    @classmethod
    def pending(cls, session: "SessionRecord") -> "VerificationResult":
        """Issued, and the user has not finished yet."""
        return cls(
            biz_token=session.biz_token,
            status="pending",
            reference=session.reference,
            error_code=None,
            error_message=None,
            similarity=None,
            attempts=[],
            media={},
            created_at=session.created_at,
            finalized_at=None,
        )

    @classmethod
    def from_final(
        cls, session: "SessionRecord", final: "FinalRecord", media: dict[str, StoredMediaLink]
    ) -> "VerificationResult":
        """The stored outcome, its media as the links given."""
        return cls(
            biz_token=session.biz_token,
            status=final.status,
            reference=session.reference,
            error_code=final.error_code,
            error_message=final.error_message,
            similarity=final.similarity,
            attempts=final.attempts,
            media=media,
            created_at=session.created_at,
            finalized_at=final.finalized_at,
        )
