#!/usr/bin/env python
"""Regenerate pingan/core/data/holidays.json from the installed `chinese-calendar` package.

    .venv/bin/python scripts/build_holidays.py

The package (PyPI `chinese-calendar`, https://github.com/LKI/chinese-calendar) transcribes each
year's State Council notice (国务院办公厅关于…年部分节假日安排的通知). Years it does not cover are
entered by an administrator (pingan.core.calendar.enter_year); migration 0004_calendar_seed loads
this file once.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from importlib.metadata import version
from pathlib import Path

from chinese_calendar import constants

OUT = Path(__file__).resolve().parent.parent / "pingan" / "core" / "data" / "holidays.json"

# The package names holidays in English; the notices use these names.
NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


def build() -> dict:
    pkg_version = version("chinese-calendar")
    years: dict[int, dict[str, list]] = defaultdict(lambda: {"holidays": [], "workdays": []})
    for kind, table in (("holidays", constants.holidays), ("workdays", constants.workdays)):
        for day, name in sorted(table.items()):
            years[day.year][kind].append([day.isoformat(), NAMES.get(str(name), str(name))])
    source = f"chinese-calendar {pkg_version}（PyPI，据国务院办公厅历年部分节假日安排的通知整理）"
    return {
        "source": source,
        "generated_by": "scripts/build_holidays.py",
        "years": {
            str(y): {
                "source": f"国务院办公厅关于{y}年部分节假日安排的通知（据 chinese-calendar {pkg_version}）",
                **years[y],
            }
            for y in sorted(years)
        },
    }


def main() -> None:
    data = build()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    # One [date, name] pair per line keeps the file readable and its diffs small.
    text = json.dumps(data, ensure_ascii=False, indent=1)
    text = re.sub(r"\[\n\s+(\"[^\"]+\"),\n\s+(\"[^\"]+\")\n\s+\]", r"[\1, \2]", text)
    OUT.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(data['years'])} years)")


if __name__ == "__main__":
    main()
