"""POST Object's own signature: a signed policy whose conditions the form must meet (COS API 436/14690).

Browser form uploads carry no signed headers, so the policy is all a bucket checks; every rule lives here."""

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from localcloud.accounts import KeyPair

from .errors import (
    AccessDeniedError,
    EntityTooLargeError,
    EntityTooSmallError,
    InvalidArgumentError,
    InvalidPolicyDocumentError,
    NotImplementedByEmulatorError,
    SignatureDoesNotMatchError,
)
from .signing import SECURITY_TOKEN, check_algorithm, check_token, check_window, find_key

# The signature's form fields (doc "Signature protection", step 7); a temporary key adds x-cos-security-token,
# a form field in the same table (and in tencentyun/cos-js-sdk-v5 demo/policy-post.html).
SIGNATURE_FIELDS = ("policy", "q-sign-algorithm", "q-ak", "q-key-time", "q-signature")
# Conditions the doc marks "Required: Yes" in every policy (step 3).
REQUIRED_CONDITIONS = ("q-sign-algorithm", "q-ak", "q-sign-time")
FILENAME_WILDCARD = "${filename}"


@dataclass(frozen=True)
class PostedForm:
    """A submitted form: the fields before `file` (names lower-cased, as they stand in for headers), the
    bucket it was sent to, the object key after ${filename} substitution and the file's size."""

    fields: Mapping[str, str]
    bucket: str
    key: str
    size: int

    def value(self, name: str) -> str | None:
        """What a condition on `name` is checked against."""
        if name == "bucket":  # the bucket addressed: "except for bucket", condition fields are form fields
            return self.bucket
        if name == "key":  # conditions see the final key: ${filename} is replaced before the policy check
            return self.key
        if name == "q-sign-time":  # the policy names KeyTime q-sign-time, the form sends it as q-key-time
            return self.fields.get("q-key-time")
        return self.fields.get(name)


@dataclass(frozen=True)
class FieldCondition:
    """`{"name": "value"}` and `["eq", "$name", "value"]` match exactly, `["starts-with", "$name", "p"]`
    by prefix."""

    name: str
    operator: str
    value: str

    def allows(self, actual: str) -> bool:
        return actual.startswith(self.value) if self.operator == "starts-with" else actual == self.value


@dataclass(frozen=True)
class LengthRange:
    """`["content-length-range", min, max]`: the file's size in bytes, both ends included."""

    minimum: int
    maximum: int


@dataclass(frozen=True)
class PostPolicy:
    expiration: datetime
    fields: tuple[FieldCondition, ...]
    lengths: tuple[LengthRange, ...]


def resolve_key(template: str | None, filename: str) -> str:
    """The `key` field with every ${filename} replaced by the uploaded file's name (doc sample 7)."""
    key = (template or "").replace(FILENAME_WILDCARD, filename)
    if not key:
        raise InvalidArgumentError("Bucket POST must contain a field named 'key'.")
    return key


# ---- parsing the policy ----------------------------------------------------------------------------


def decode_policy(encoded: str) -> bytes:
    """The policy field is base64 of the JSON text, and that text is what the signature covers."""
    try:
        return base64.b64decode(encoded, validate=True)
    except binascii.Error:
        raise InvalidPolicyDocumentError(
            "The policy field must be the base64 of the policy's JSON text."
        ) from None


def condition_text(value: Any) -> str:
    # Numbers are allowed where a form field holds digits ({"success_action_status": 201}).
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise InvalidPolicyDocumentError(f"Condition value {json.dumps(value)} must be a string.")


def condition_number(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise InvalidPolicyDocumentError(f"content-length-range bound {json.dumps(value)} must be a number.")


def parse_condition(raw: Any) -> list[FieldCondition | LengthRange]:
    """One entry of `conditions`: an object of exact matches or a three-element array."""
    if isinstance(raw, dict):
        return [FieldCondition(str(name).lower(), "eq", condition_text(value)) for name, value in raw.items()]
    if isinstance(raw, list) and len(raw) == 3:
        operator, name, value = raw
        if operator == "content-length-range":
            return [LengthRange(condition_number(name), condition_number(value))]
        if operator in ("eq", "starts-with") and isinstance(name, str):
            # The doc writes "$name"; its 2017 example omitted the "$" and was accepted, so both are.
            return [FieldCondition(name.removeprefix("$").lower(), operator, condition_text(value))]
    raise InvalidPolicyDocumentError(f"Condition {json.dumps(raw)} is not an exact, prefix or range match.")


def parse_expiration(value: Any) -> datetime:
    """ISO 8601, as JavaScript's toISOString writes it ("2019-08-30T09:38:12.414Z"); no zone means UTC."""
    if not isinstance(value, str):
        raise InvalidPolicyDocumentError("The policy needs an ISO 8601 expiration.")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidPolicyDocumentError(f"The policy expiration {value!r} is not ISO 8601.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def parse_policy(text: bytes) -> PostPolicy:
    try:
        document = json.loads(text)
    except ValueError:
        raise InvalidPolicyDocumentError("The policy is not UTF-8 JSON.") from None
    if not isinstance(document, dict) or not isinstance(document.get("conditions"), list):
        # COS's own words for a policy without conditions ("POST Object common exceptions").
        raise InvalidPolicyDocumentError(
            "You must provide condition if you specify a policy in post object request."
        )
    conditions = [parsed for raw in document["conditions"] for parsed in parse_condition(raw)]
    return PostPolicy(
        expiration=parse_expiration(document.get("expiration")),
        fields=tuple(c for c in conditions if isinstance(c, FieldCondition)),
        lengths=tuple(c for c in conditions if isinstance(c, LengthRange)),
    )


# ---- the checks ------------------------------------------------------------------------------------


def check_signature_fields(fields: Mapping[str, str]) -> None:
    """Without the q-* fields the form is anonymous, and the buckets here are private."""
    missing = [name for name in SIGNATURE_FIELDS if name not in fields]
    if missing and "signature" in fields:
        # The doc's 2017 version also took a header-style Authorization string as a `Signature` field.
        raise NotImplementedByEmulatorError(
            "POST Object signed with a Signature field is not emulated; sign a policy (q-* fields)."
        )
    if missing:
        raise AccessDeniedError(f"The POST form's signature is incomplete: missing {', '.join(missing)}.")


def policy_signature(secret_key: str, key_time: str, policy_text: bytes) -> str:
    """Doc steps 4-6: SignKey = HMAC-SHA1(SecretKey, KeyTime), StringToSign = SHA1(policy JSON text),
    Signature = HMAC-SHA1(SignKey, StringToSign); each as lowercase hex, and used as hex text."""
    sign_key = hmac.new(secret_key.encode(), key_time.encode(), hashlib.sha1).hexdigest()
    string_to_sign = hashlib.sha1(policy_text, usedforsecurity=False).hexdigest()
    return hmac.new(sign_key.encode(), string_to_sign.encode(), hashlib.sha1).hexdigest()


def check_policy_signature(fields: Mapping[str, str], key: KeyPair, policy_text: bytes) -> None:
    expected = policy_signature(key.secret_key, fields["q-key-time"], policy_text)
    if not hmac.compare_digest(expected.encode(), fields["q-signature"].encode()):
        raise SignatureDoesNotMatchError()


def check_expiration(policy: PostPolicy, now: float) -> None:
    expires = policy.expiration.timestamp()
    if now > expires:
        # COS's message, word for word ("POST Object common exceptions").
        raise AccessDeniedError(
            f"You post object request has been expired, expiration time: {int(expires)} "
            f"but the time now : {int(now)}"
        )


def check_required_conditions(policy: PostPolicy) -> None:
    named = {condition.name for condition in policy.fields}
    missing = [name for name in REQUIRED_CONDITIONS if name not in named]
    if missing:
        raise InvalidPolicyDocumentError(f"The policy must have conditions on {', '.join(missing)}.")


def check_field_conditions(policy: PostPolicy, form: PostedForm) -> None:
    """Every condition's field must be in the form and match (doc: "fields that are used for limitation in the
    policy must be used in the form fields"); several conditions on one field must all match.

    Fields no condition names are accepted. That is COS's rule, not S3's (where every field needs one): the
    doc's own 204 samples send `key`, `Cache-Control`, `Content-MD5` and SSE-C key fields that their policies
    never mention, the official STS demo sends x-cos-security-token unconditioned, and the doc only
    "strongly recommends" limiting every field. Refusing them here would fake a protection COS lacks."""
    for condition in policy.fields:
        actual = form.value(condition.name)
        if actual is None or not condition.allows(actual):
            # COS's message ("POST Object common exceptions"), naming the policy's value.
            raise AccessDeniedError(
                f"Condition key {condition.name} doesn't match the value {condition.value}"
            )


def check_length(policy: PostPolicy, size: int) -> None:
    for length in policy.lengths:
        if size < length.minimum:
            raise EntityTooSmallError("Your proposed upload is smaller than the minimum allowed object size.")
        if size > length.maximum:
            raise EntityTooLargeError()


def authenticate_post(form: PostedForm, keys: Sequence[KeyPair], now: float) -> KeyPair:
    """The key pair that signed the form's policy, once the form meets all of it; else COS's error."""
    fields = form.fields
    check_signature_fields(fields)
    check_algorithm(fields["q-sign-algorithm"])
    key = find_key(fields["q-ak"], keys)
    check_window("q-key-time", fields["q-key-time"], now)
    policy_text = decode_policy(fields["policy"])
    check_policy_signature(fields, key, policy_text)
    check_token(fields.get(SECURITY_TOKEN), key)
    policy = parse_policy(policy_text)
    check_expiration(policy, now)
    check_required_conditions(policy)
    check_field_conditions(policy, form)
    check_length(policy, form.size)
    return key
