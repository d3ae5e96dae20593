"""Face check-in benchmark: time to decode + locate + encode + match one photo (p50/p95).

    python benchmarks/faces.py              # 50 runs per photo
    python benchmarks/faces.py --runs 200

Uses the committed test photos (tests/corrections/data/faces) and the same functions the
check-in service calls (pingan.corrections.checkins_faces), with the default analysis size
(1024 px long side). "phone" is obama2.jpg enlarged to 3024×4032 and re-encoded as a ~12 MP
JPEG, so decoding and downscaling a real phone photo is part of the figure. Matching is against
3 enrolled encodings. No database; the first call (model load) is reported separately.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parent.parent
FACES = REPO / "tests" / "corrections" / "data" / "faces"
LIMITS = {"max_bytes": 20_000_000, "max_pixels": 40_000_000, "max_side": 1024}


def phone_photo() -> bytes:
    image = Image.open(FACES / "obama2.jpg").convert("RGB").resize((3024, 4032), Image.Resampling.BICUBIC)
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()

    from pingan.corrections import checkins_faces as faces

    t0 = time.perf_counter()
    import face_recognition  # noqa: F401  (model load)

    load_s = time.perf_counter() - t0
    references = []
    for name in ("obama", "biden", "astronaut"):
        result = faces.analyse(faces.load_photo((FACES / f"{name}.jpg").read_bytes(), **LIMITS))
        assert result.encoding is not None
        references.append(result.encoding)
    print(f"model import/load: {load_s * 1000:.0f} ms (once per process)")
    print(f"{'photo':<10}{'bytes':>10}{'px':>12}  {'stage':<8}{'p50 ms':>9}{'p95 ms':>9}")
    photos = {"obama2": (FACES / "obama2.jpg").read_bytes(), "phone": phone_photo()}
    for label, data in photos.items():
        timings: dict[str, list[float]] = {"decode": [], "locate": [], "encode": [], "match": [], "total": []}
        distance = None
        for _ in range(args.runs):
            a = time.perf_counter()
            photo = faces.load_photo(data, **LIMITS)
            b = time.perf_counter()
            import face_recognition as fr

            upsample = 1 if max(photo.pixels.shape[:2]) < faces.UPSAMPLE_BELOW_PX else 0
            locations = fr.face_locations(photo.pixels, number_of_times_to_upsample=upsample, model="hog")
            c = time.perf_counter()
            encoding = np.asarray(fr.face_encodings(photo.pixels, known_face_locations=locations)[0])
            d = time.perf_counter()
            distance = faces.best_distance(encoding, references)
            e = time.perf_counter()
            for key, value in (("decode", b - a), ("locate", c - b), ("encode", d - c), ("match", e - d),
                               ("total", e - a)):
                timings[key].append(value * 1000)
        size = Image.open(io.BytesIO(data)).size
        for stage, values in timings.items():
            print(f"{label:<10}{len(data):>10}{f'{size[0]}x{size[1]}':>12}  {stage:<8}"
                  f"{statistics.median(values):>9.1f}{pct(values, 0.95):>9.1f}")
        print(f"{label:<10} best distance {distance:.3f} (threshold 0.5)")


if __name__ == "__main__":
    import os
    import sys

    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pingan.config.settings")
    import django

    django.setup()
    main()
