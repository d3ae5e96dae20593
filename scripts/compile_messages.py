"""Compile pingan/locale/*/LC_MESSAGES/django.po to .mo with polib (no GNU gettext needed).

    python scripts/compile_messages.py          # write the .mo files
    python scripts/compile_messages.py --check  # exit 1 if a .mo is missing or out of date
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parent.parent / "pingan" / "locale"


def main() -> int:
    check = "--check" in sys.argv
    stale = []
    for po_path in sorted(LOCALE.glob("*/LC_MESSAGES/django.po")):
        po = polib.pofile(str(po_path))
        mo_path = po_path.with_suffix(".mo")
        if check:
            with tempfile.NamedTemporaryFile(suffix=".mo") as tmp:
                po.save_as_mofile(tmp.name)
                fresh = {e.msgid: e.msgstr for e in polib.mofile(tmp.name)}
            current = {e.msgid: e.msgstr for e in polib.mofile(str(mo_path))} if mo_path.exists() else {}
            if fresh != current:
                stale.append(str(mo_path))
        else:
            po.save_as_mofile(str(mo_path))
            print(f"{mo_path}: {len(po.translated_entries())} translated, {len(po.untranslated_entries())} untranslated")
    if stale:
        print("out of date (run python scripts/compile_messages.py):", *stale, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
