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
    def pairs(e: polib.POEntry):  # (source, translation) for each form
        if not e.msgid_plural:
            return [(e.msgid, e.msgstr)]
        return [(e.msgid if n == 0 else e.msgid_plural, text) for n, text in sorted(e.msgstr_plural.items())]

    found = [p for e in po.translated_entries() for p in pairs(e)]
    wrong = [(s, t) for s, t in found if sorted(PLACEHOLDER.findall(s)) != sorted(PLACEHOLDER.findall(t))]
    assert wrong == []
    # an English string left in Chinese is a translation nobody made (a few quote Chinese input formats)
    chinese = [s for s, t in found if t == s and CJK.search(s)]
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


# Chinese punctuation glued to English words: a template that puts "：" or "（…）" around a
# translated label (the punctuation belongs in the catalogue: pgettext("punctuation", "：")).
FULL_WIDTH = "：，。（）、；！？"
GLUED = re.compile(rf"[A-Za-z][{FULL_WIDTH}]|[{FULL_WIDTH}]\s*[A-Za-z]")


class _TextOutsideRecords(HTMLParser):
    """All text of the page except what holds records (names, addresses, case numbers live in
    <td>, <a>, <option>, form values) and scripts."""

    RECORDS = {"td", "a", "option", "select", "textarea", "script", "style", "code", "pre"}

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.RECORDS:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag in self.RECORDS and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if not self.depth and GLUED.search(data):
            self.found.append(" ".join(data.split()))


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
        # every menu entry opens (tests/pages/test_menu_entries.py checks it for every role)
        assert response.status_code == 200, url
        parser = _VisibleText()
        parser.feed(response.content.decode())
        # names of people, agencies, places and categories are records and stay Chinese: they
        # live in <td>, <a> and <option>, which the parser does not look at
        if parser.found:
            leftovers[url] = parser.found
        glued = _TextOutsideRecords()
        glued.feed(response.content.decode())
        if glued.found:
            leftovers[f"{url} (punctuation)"] = glued.found
    assert leftovers == {}


def _import_time_gettext(path: Path) -> list[str]:
    """Calls of a non-lazy gettext that run when the module is imported (module or class body,
    default arguments): they freeze the text in whatever language is active at start-up."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    eager = {a.asname or a.name for n in tree.body if isinstance(n, ast.ImportFrom)
             and n.module == "django.utils.translation" for a in n.names
             if a.name in ("gettext", "ngettext", "pgettext", "npgettext")}
    found: list[str] = []

    def calls(node: ast.AST) -> None:
        for c in ast.walk(node):
            if isinstance(c, ast.Call) and isinstance(c.func, ast.Name) and c.func.id in eager:
                found.append(f"{path.relative_to(PINGAN)}:{c.lineno} {ast.unparse(c)}")

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                for default in [*child.args.defaults, *(d for d in child.args.kw_defaults if d)]:
                    calls(default)
                continue  # the body runs per call, in the request's language
            if isinstance(child, ast.Call) and isinstance(child.func, ast.Name) and child.func.id in eager:
                found.append(f"{path.relative_to(PINGAN)}:{child.lineno} {ast.unparse(child)}")
            visit(child)

    if eager:
        visit(tree)
    return found


def test_no_gettext_at_import_time():
    found = [hit for path in _sources(".py") if "migrations" not in path.parts for hit in _import_time_gettext(path)]
    assert found == [], "use gettext_lazy for text built at import:\n" + "\n".join(found)


# What a template may hold with Chinese punctuation in it: translated text, comments, and the
# marks that come from the catalogue ({% mark "：" %}, |mark_join:"；" — core/punctuation.py).
_TRANSLATED = re.compile(
    r"\{%\s*(?:translate|trans|mark)\s.*?%\}|\{%\s*blocktrans(?:late)?\b.*?%\}.*?\{%\s*endblocktrans(?:late)?\s*%\}"
    r"|\{#.*?#\}|\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}|\|mark_join:\"[^\"]*\"", re.S)


def test_templates_write_no_chinese_punctuation_of_their_own():
    """A "：" or "（…）" written in a template shows on English pages as "Reason：…" (the rendered
    check above only sees pages whose records exist); the mark must come from the catalogue."""
    found = []
    for path in _sources(".html"):
        if "templates" not in path.parts:
            continue
        for n, line in enumerate(_TRANSLATED.sub(lambda m: "\n" * m[0].count("\n"),
                                                 path.read_text(encoding="utf-8")).splitlines(), 1):
            if any(c in line for c in FULL_WIDTH):
                found.append(f"{path.relative_to(PINGAN)}:{n}: {line.strip()[:80]}")
    assert found == [], 'use {% mark "：" %} / |mark_join:"；" (pingan/core/punctuation.py):\n' + "\n".join(found)
