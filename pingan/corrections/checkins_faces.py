"""Face location, encoding and matching with face_recognition (dlib's HOG detector and ResNet
encoder; models from the PyPI package face-recognition-models, read from disk — nothing is
downloaded at run time).

A photo is decoded with Pillow, checked (format, byte size, pixel count — decompression bombs),
turned upright by its EXIF orientation (phones rotate with a tag, not the pixels), reduced to
`corrections.checkin.analysis_max_side` and encoded. The caller never keeps the photo.
"""

from __future__ import annotations

import hashlib
import io
import json
import warnings
from dataclasses import dataclass

import numpy as np
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from pingan.core.errors import ApplicationError

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
ENCODING_SIZE = 128
UPSAMPLE_BELOW_PX = 640


@dataclass(frozen=True)
class Photo:
    pixels: np.ndarray  # H×W×3 uint8, C-contiguous (dlib refuses views)
    sha256: str


@dataclass(frozen=True)
class FaceResult:
    count: int  # faces found
    encoding: np.ndarray | None  # the one face's encoding when count == 1


def load_photo(data: bytes, *, max_bytes: int, max_pixels: int, max_side: int, field: str = "photo") -> Photo:
    if not data:
        raise ApplicationError(_("未上传照片。"), code="required", field=field)
    if len(data) > max_bytes:
        raise ApplicationError(_("照片过大（上限 %(n)d 字节）。") % {"n": max_bytes}, code="too_large", field=field)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(io.BytesIO(data))
            if image.format not in ACCEPTED_FORMATS:
                raise ApplicationError(_("照片须为 JPEG、PNG 或 WebP 格式。"), code="invalid_image", field=field)
            width, height = image.size
            if width * height > max_pixels:
                raise ApplicationError(_("照片像素过多。"), code="too_large", field=field)
            if image.format == "JPEG":
                # Let libjpeg decode at 1/2, 1/4 or 1/8 scale: a 12 MP phone photo decodes in a
                # fraction of the time, still at least max_side on its long edge.
                image.draft("RGB", (max_side, max_side))
            image = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombWarning,
            Image.DecompressionBombError):
        raise ApplicationError(_("无法识别的图片文件。"), code="invalid_image", field=field) from None
    image.thumbnail((max_side, max_side))
    return Photo(pixels=np.ascontiguousarray(np.asarray(image, dtype=np.uint8)),
                 sha256=hashlib.sha256(data).hexdigest())


def _library():
    """face_recognition, imported on first use (loading dlib's models takes a few seconds).

    Its import sets Pillow's process-wide ImageFile.LOAD_TRUNCATED_IMAGES = True, which would make
    every app accept half-uploaded images; the previous value is put back."""
    from PIL import ImageFile

    before = ImageFile.LOAD_TRUNCATED_IMAGES
    import face_recognition

    ImageFile.LOAD_TRUNCATED_IMAGES = before
    return face_recognition


def analyse(photo: Photo) -> FaceResult:
    face_recognition = _library()
    # HOG finds faces down to ~80 px; upsampling once finds ~40 px faces but costs 4× the time.
    # Only small photos are upsampled — a selfie scaled to analysis_max_side has a face far larger.
    upsample = 1 if max(photo.pixels.shape[:2]) < UPSAMPLE_BELOW_PX else 0
    locations = face_recognition.face_locations(photo.pixels, number_of_times_to_upsample=upsample, model="hog")
    if len(locations) != 1:
        return FaceResult(count=len(locations), encoding=None)
    (encoding,) = face_recognition.face_encodings(photo.pixels, known_face_locations=locations)
    return FaceResult(count=1, encoding=np.asarray(encoding, dtype=np.float64))


def best_distance(encoding: np.ndarray, references: list[np.ndarray]) -> float:
    """The smallest Euclidean distance to any enrolled encoding (dlib's metric; 0.6 is the
    model's suggested same-person threshold)."""
    matrix = np.vstack(references)
    return float(np.min(np.linalg.norm(matrix - encoding, axis=1)))


def dump_encoding(encoding: np.ndarray) -> str:
    return json.dumps([round(float(x), 8) for x in encoding])


def load_encoding(text: str) -> np.ndarray:
    values = json.loads(text)
    if not isinstance(values, list) or len(values) != ENCODING_SIZE:
        raise ValueError("stored face encoding has the wrong shape")
    return np.asarray(values, dtype=np.float64)
