"""Chinese punctuation in the page's language. A page that writes a label and its value as
"理由：…" or "刘芳（法院指定）" must not leave "：" and "（）" around English words, so the marks
themselves are catalogue entries (context "punctuation"): "：" is ": " in English. Templates use
{% mark "：" %} and |mark_join:"；" (core/templatetags/punctuation.py); Python uses mark() and
join(). Records (names, addresses, case numbers) keep their own punctuation."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import pgettext_lazy

MARKS = {
    "：": pgettext_lazy("punctuation", "："),
    "，": pgettext_lazy("punctuation", "，"),
    "；": pgettext_lazy("punctuation", "；"),
    "、": pgettext_lazy("punctuation", "、"),
    "。": pgettext_lazy("punctuation", "。"),
    "（": pgettext_lazy("punctuation", "（"),
    "）": pgettext_lazy("punctuation", "）"),
}


def mark(text: str) -> str:
    """The mark in the active language; unknown marks pass through unchanged."""
    found = MARKS.get(text)
    return str(found) if found is not None else text


def join(items: Iterable[object], sep: str = "；") -> str:
    """Messages joined for one line, e.g. a form's errors: "；" in Chinese, "; " in English."""
    return mark(sep).join(str(i) for i in items)
