"""{% mark "：" %} and {{ errors|mark_join:"；" }}: punctuation in the page's language
(pingan/core/punctuation.py says why)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from pingan.core import punctuation

register = template.Library()


@register.simple_tag(name="mark")
def mark_tag(text: str) -> str:
    return punctuation.mark(text)


@register.filter(is_safe=True)
def mark_join(value, sep: str = "；") -> SafeString:
    """Like |join, with the separator in the page's language (items escaped as |join does)."""
    return format_html_join(punctuation.mark(sep), "{}", ((v,) for v in value))
