"""No English left in the Chinese admin: every admin page an inspector or the
superuser opens (index, app pages, every list, every add form, the first record
of every list) shows no common English word in its text."""

import re
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

# Common interface words: none of them may be shown (case-insensitive, whole words).
ENGLISH = {
    "add", "change", "delete", "save", "permissions", "permission", "log", "audit", "history", "key", "keys",
    "name", "schedule", "arguments", "options", "expires", "revoked", "prefix", "can", "view", "model", "link",
    "filter", "search", "home", "none", "true", "false", "select", "choose", "remove", "user", "group", "date",
    "time", "action", "object", "created",
}  # fmt: skip
# Codes and names that are not English prose.
ALLOWED = {"API", "GeoJSON", "GeoPackage", "GIS", "Excel", "English", "HCA", "CFR", "GB"}
SKIPPED_TAGS = {"script", "style", "template", "noscript"}


class _VisibleText(HTMLParser):
    def __init__(self):
        super().__init__()
        self.skip, self.parts = 0, []

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED_TAGS:
            self.skip += 1

    def handle_endtag(self, tag):
        if tag in SKIPPED_TAGS and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def english_words(html: str) -> set[str]:
    parser = _VisibleText()
    parser.feed(html)
    words = set(re.findall(r"[A-Za-z]+", " ".join(parser.parts)))
    return {w for w in words if w.lower() in ENGLISH and w not in ALLOWED}


def _pages(client):
    yield reverse("admin:index")
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        yield reverse("admin:app_list", args=[opts.app_label])
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        yield changelist
        yield reverse(f"admin:{opts.app_label}_{opts.model_name}_add")  # a 403 where one may not add
        first = model_admin.get_queryset(_request(client)).order_by("pk").first()
        if first is not None:
            yield reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[first.pk])


def _request(client):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = client.user
    return request


@pytest.mark.parametrize("username", ["admin", "inspector1", "company01"])
def test_no_english_in_the_admin(username):
    from accounts.models import User

    client = Client()
    client.user = User.objects.get(username=username)
    client.force_login(client.user)
    found = {}
    for url in dict.fromkeys(_pages(client)):
        response = client.get(url)
        if response.status_code != 200:
            continue
        words = english_words(response.content.decode())
        if words:
            found[url] = sorted(words)
    assert found == {}, "\n".join(f"{url}: {words}" for url, words in found.items())
