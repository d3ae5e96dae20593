"""The English catalogue is complete and the UI really renders in English.

CI does not install GNU gettext (scripts/setup-system), so these tests do not run makemessages:
they read the committed django.po with polib and find the translatable strings in the code with
the same parsers makemessages feeds xgettext (Python's ast for .py; Django's own templatize for
templates), so a new gettext("…") or {% translate "…" %} without an English entry fails here."""

from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.utils.translation.template import templatize

PINGAN = Path(__file__).resolve().parents[2] / "pingan"
PO_PATH = PINGAN / "locale" / "en" / "LC_MESSAGES" / "django.po"
CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff01-\uff5e]")

# Keywords makemessages passes to xgettext for Python (its defaults plus Django's additions):
# name -> (index of the context argument or None, index of the msgid argument)
KEYWORDS = {
    "_": (None, 0), "gettext": (None, 0), "gettext_lazy": (None, 0), "gettext_noop": (None, 0),
    "ngettext": (None, 0), "ngettext_lazy": (None, 0),
    "pgettext": (0, 1), "pgettext_lazy": (0, 1), "npgettext": (0, 1), "npgettext_lazy": (0, 1),
}
# templatize() turns tags into gettext(u'…') / pgettext(u'ctx', u'…') / ngettext(u'…', …) calls
TEMPLATE_CALL = re.compile(r"\b(gettext|ngettext|pgettext|npgettext)\((u'(?:[^'\\]|\\.)*')(?:,\s*(u'(?:[^'\\]|\\.)*'))?")
PLACEHOLDER = re.compile(r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[sdif]|\{\w*\}"
                         r"|</?(?:a|b|br|code|em|i|li|ol|p|small|span|strong|ul)\b[^>]*>")


def _sources(suffix: str):
    for path in sorted(PINGAN.rglob(f"*{suffix}")):
        parts = path.relative_to(PINGAN).parts
        if "locale" in parts or any(p.startswith(".") for p in parts):
            continue
        yield path


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _python_msgids(path: Path) -> set[tuple[str | None, str]]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call) or _name(node.func) not in KEYWORDS:
            continue
        ctx_i, id_i = KEYWORDS[_name(node.func)]  # type: ignore[index]
        args = node.args
        if len(args) <= id_i or not (isinstance(args[id_i], ast.Constant) and isinstance(args[id_i].value, str)):
            continue
        ctx = args[ctx_i].value if ctx_i is not None and isinstance(args[ctx_i], ast.Constant) else None
        if args[id_i].value:
            found.add((ctx, args[id_i].value))
    return found


def _template_msgids(path: Path) -> set[tuple[str | None, str]]:
    found = set()
    for kind, first, second in TEMPLATE_CALL.findall(templatize(path.read_text(encoding="utf-8"), origin=str(path))):
        a = ast.literal_eval(first)
        if kind.startswith("p"):
            found.add((a, ast.literal_eval(second)))
        elif a:
            found.add((None, a))
    return found


def code_msgids() -> dict[tuple[str | None, str], Path]:
    where: dict[tuple[str | None, str], Path] = {}
    for path in _sources(".py"):
        for key in _python_msgids(path):
            where.setdefault(key, path)
    for suffix in (".html", ".txt"):
        for path in _sources(suffix):
            if "templates" in path.parts:
                for key in _template_msgids(path):
                    where.setdefault(key, path)
    return where


def test_catalogue_has_no_untranslated_or_fuzzy_entries():
    po = polib.pofile(str(PO_PATH))
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []


def test_translations_keep_placeholders_and_tags():
    po = polib.pofile(str(PO_PATH))
    wrong = [(e.msgid, e.msgstr) for e in po.translated_entries()
             if sorted(PLACEHOLDER.findall(e.msgid)) != sorted(PLACEHOLDER.findall(e.msgstr))]
    assert wrong == []
    # an English string left in Chinese is a translation nobody made (a few quote Chinese input formats)
    chinese = [e.msgid for e in po.translated_entries() if e.msgstr == e.msgid and CJK.search(e.msgid)]
    assert chinese == []


def test_every_string_in_the_code_has_an_english_translation():
    po = polib.pofile(str(PO_PATH))
    translated = {(e.msgctxt, e.msgid) for e in po.translated_entries()}
    code = code_msgids()
    assert len(code) > 1000  # the extractor found the strings at all
    missing = sorted(f"{path.relative_to(PINGAN)}: {msgid}" for (ctx, msgid), path in code.items()
                     if (ctx, msgid) not in translated)
    assert missing == [], "run makemessages -l en and translate:\n" + "\n".join(missing)


class _VisibleText(HTMLParser):
    """Text (and labelling attributes) inside the elements that carry the UI's own words."""

    WATCH = {"nav", "th", "label", "button", "h2", "title"}
    ATTRS = ("aria-label", "placeholder", "title")
    # check-in window labels (早/中/晚 08:00–10:00) are settings an administrator edits, not UI text
    SETTING = re.compile(r"^\S{1,4} \d\d:\d\d–\d\d:\d\d$")

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.choices = 0  # inside <select>: the options are records (categories, agencies…)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.WATCH:
            self.depth += 1
        if tag == "select":
            self.choices += 1
        if tag in ("nav", "button", "input", "form", "section", "div", "table"):
            self.found += [v for k, v in attrs if k in self.ATTRS and v and CJK.search(v)]

    def handle_endtag(self, tag):
        if tag in self.WATCH and self.depth:
            self.depth -= 1
        if tag == "select" and self.choices:
            self.choices -= 1

    def handle_data(self, data):
        if self.depth and not self.choices and CJK.search(data) and not self.SETTING.match(data.strip()):
            self.found.append(data.strip())


# one user per kind of desk; pages are the home page and every entry of that user's menu
DESKS = [
    ("district_leader", "plc"), ("court_clerk", "court"), ("prosecutor", "procuratorate"),
    ("police_officer", "ps-shaomi"), ("justice_staff", "jo-520204104"), ("village_mediator", "mc-v-shaomi-cun"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "agency"), DESKS)
def test_pages_render_in_english(client, make_user, role, agency):
    client.force_login(make_user(role, agency))
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    home = client.get("/")
    assert home.status_code == 200
    html = home.content.decode()
    assert 'lang="en"' in html
    urls = re.findall(r'<a href="(/[^"]*)" data-nav="', html)
    assert len(urls) >= 3, urls  # the menu is there
    leftovers = {}
    for url in ["/", *dict.fromkeys(urls)]:
        response = client.get(url)
        assert response.status_code == 200, url
        parser = _VisibleText()
        parser.feed(response.content.decode())
        # names of people, agencies, places and categories are records and stay Chinese: they
        # live in <td>, <a> and <option>, which the parser does not look at
        if parser.found:
            leftovers[url] = parser.found
    assert leftovers == {}
