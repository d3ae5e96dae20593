"""pingan.core.pages: the list-page helpers every app's list views use (filters, paging, htmx)."""

from __future__ import annotations

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.test import Client, RequestFactory
from django.urls import reverse

from pingan.core.pages import filtered_page, is_partial
from pingan.orgs.models import Jurisdiction

pytestmark = pytest.mark.django_db


class _Filters(forms.Form):
    q = forms.CharField(required=False)
    level = forms.IntegerField(required=False)


def test_filtered_page_passes_blank_filters_as_none_and_drops_the_page_from_the_query(district):
    seen = []

    def rows(f):
        seen.append(f)
        return Jurisdiction.objects.order_by("code")

    request = RequestFactory().get("/list/", {"q": "", "level": "3", "page": "2"})
    context = filtered_page(request, _Filters(request.GET), rows, per_page=1)
    assert seen == [{"q": None, "level": 3}]
    assert context["query"] == "q=&level=3"
    assert context["page"].number == 2 and len(context["page"].object_list) == 1

    first = RequestFactory().get("/list/")
    context = filtered_page(first, _Filters(first.GET or None), rows)
    assert seen[-1] == {} and context["page"].number == 1 and not context["form"].is_bound


def test_filtered_page_puts_a_refused_filter_on_the_form_and_shows_no_rows(district):
    def rows(f):
        raise ValidationError({"level": "没有这一级。", "other": "整体错误。"})

    request = RequestFactory().get("/list/", {"level": "9"})
    context = filtered_page(request, _Filters(request.GET), rows)
    assert context["page"] is None
    assert context["form"].errors == {"level": ["没有这一级。"], "__all__": ["整体错误。"]}

    invalid = RequestFactory().get("/list/", {"level": "x"})
    context = filtered_page(invalid, _Filters(invalid.GET), lambda f: pytest.fail("not called on invalid input"))
    assert context["page"] is None and "level" in context["form"].errors


def test_list_page_full_partial_and_refused_filter(district_leader):
    c = Client()
    c.force_login(district_leader)
    url = reverse("disputes:list")
    assert "<html" in c.get(url).content.decode()
    partial = c.get(url, {"q": "物业"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial
    boosted = c.get(url, {"q": "物业"}, HTTP_HX_REQUEST="true", HTTP_HX_BOOSTED="true").content.decode()
    assert "<html" in boosted
    refused = c.get(url, {"received_from": "2024-02-01", "received_to": "2024-01-01"}).content.decode()
    assert "结束日期不能早于开始日期。" in refused


def test_is_partial_without_the_htmx_middleware():
    assert is_partial(RequestFactory().get("/")) is False


def test_the_one_pager_keeps_the_filters_in_its_links():
    from django.core.paginator import Paginator
    from django.template.loader import render_to_string

    html = render_to_string("pager.html", {"page": Paginator(range(120), 50).get_page(2), "query": "q=%E7%89%A9&state=open"})
    assert 'href="?q=%E7%89%A9&amp;state=open&amp;page=1"' in html and 'href="?q=%E7%89%A9&amp;state=open&amp;page=3"' in html
    # one page: nothing at all (the template's own comment is not text of the page)
    assert render_to_string("pager.html", {"page": Paginator(range(10), 50).get_page(1), "query": ""}).strip() == ""
    assert 'href="?page=2"' in render_to_string("pager.html", {"page": Paginator(range(60), 50).get_page(1)})


def test_agency_list_pager_query_keeps_the_kind(district_leader):
    c = Client()
    c.force_login(district_leader)
    assert c.get("/orgs/agencies/", {"kind": "justice_office"}).context["query"] == "kind=justice_office"
    assert c.get("/orgs/agencies/", {"kind": "nonsense"}).context["query"] == ""


def test_error_text_of_each_refusal():
    from django.core.exceptions import PermissionDenied

    from pingan.core.errors import ApplicationError
    from pingan.core.pages import error_text

    assert error_text(ValidationError({"a": "甲有误。", "b": "乙有误。"})) == "甲有误。；乙有误。"
    assert error_text(ApplicationError("不能执行。", code="x")) == "不能执行。"
    assert error_text(PermissionDenied("无权查看。")) == "无权查看。"
    assert error_text(PermissionDenied()) == "无权执行此操作。"


def test_form_errors_puts_each_refusal_on_the_form():
    from django import forms
    from django.core.exceptions import PermissionDenied

    from pingan.core.errors import ApplicationError
    from pingan.core.pages import form_errors

    class F(forms.Form):
        name = forms.CharField(required=False)

    def errors_of(exc):
        form = F({"name": "x"})
        assert form.is_valid()
        form_errors(form, exc)
        return {k: list(v) for k, v in form.errors.items()}

    assert errors_of(ValidationError({"name": "名称有误。", "other": "别处有误。"})) == {
        "name": ["名称有误。"], "__all__": ["别处有误。"]}
    assert errors_of(ValidationError(["一有误。", "二有误。"])) == {"__all__": ["一有误。；二有误。"]}
    assert errors_of(ApplicationError("不能执行。", code="x")) == {"__all__": ["不能执行。"]}
    assert errors_of(PermissionDenied()) == {"__all__": ["无权执行此操作。"]}


def test_the_one_filter_fields_template_shows_each_field_and_its_errors():
    from django import forms
    from django.template.loader import render_to_string

    class Filters(forms.Form):
        q = forms.CharField(label="搜索", required=False, max_length=3)
        state = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), ("open", "办理中")])

    html = render_to_string("filter_fields.html", {"form": Filters({"q": "太长的查询", "state": "open"})})
    assert html.count("<label>") == 2 and 'name="q"' in html and '<option value="open" selected>' in html
    assert html.count('class="error"') == 1 and "3" in html.split('class="error"')[1]
    assert "{%" not in html and "comment" not in html
