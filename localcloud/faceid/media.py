"""The media FaceID hands back: a best-frame JPEG, a short MP4 of the attempt, and light sequences.

The two assets are real files so clients can decode them (assets/best_frame.jpg: 240x320 baseline JPEG
drawn with Pillow; assets/liveness.mp4: 1 s of that frame, H.264 in an MP4 container, made with ffmpeg)."""

import hashlib
from functools import cache
from pathlib import Path

ASSETS = Path(__file__).resolve().parent / "assets"
# A light sequence is the app SDK's binary colour script; this one is NUL-led so it can never pass for
# base64 text, and deterministic in its inputs so equal requests get equal sequences.
SEQUENCE_MAGIC = b"\x00LCRS\x01"
SEQUENCE_COLOURS = 8


@cache
def best_frame_jpeg() -> bytes:
    return (ASSETS / "best_frame.jpg").read_bytes()


@cache
def liveness_video_mp4() -> bytes:
    return (ASSETS / "liveness.mp4").read_bytes()


def light_sequence(device_data_md5: str, security_level: str, nonce: str) -> bytes:
    seed = hashlib.sha256(f"{device_data_md5}:{security_level}:{nonce}".encode()).digest()
    colours = (seed * 2)[: 3 * SEQUENCE_COLOURS]
    return SEQUENCE_MAGIC + security_level.encode() + colours


def similarity(*inputs: bytes) -> float:
    """A deterministic similarity in [80, 99): the same pictures always compare the same."""
    digest = hashlib.md5(b"".join(inputs), usedforsecurity=False).digest()
    return round(80 + int.from_bytes(digest[:4], "big") % 1900 / 100, 2)
