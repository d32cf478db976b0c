"""Reading a form page sent back with errors, as the site renders every form: the error summary (role
alert, focused by static/js/focus-errors.js) and the fields it links to, marked aria-invalid."""

from html.parser import HTMLParser

from django.test import Client

HEADING = {"fr": "Veuillez corriger les points suivants", "en": "Please correct the following"}


class Page(HTMLParser):
    """The attributes of every element with an id, and of every error summary, with the summary's text."""

    def __init__(self, html: str):
        super().__init__()
        self.by_id: dict[str, dict] = {}
        self.summaries: list[dict] = []
        self._depth = 0  # inside a summary: how many of its elements are open
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if "id" in attributes:
            self.by_id[attributes["id"]] = attributes
        if self._depth:
            self._depth += tag not in {"input", "br", "img"}
        elif "error-summary" in attributes.get("class", "").split():
            self.summaries.append({**attributes, "text": "", "links": []})
            self._depth = 1
        if self._depth and tag == "a":
            self.summaries[-1]["links"].append(attributes.get("href"))

    def handle_endtag(self, tag):
        if self._depth:
            self._depth -= 1

    def handle_data(self, data):
        if self._depth:
            self.summaries[-1]["text"] += data


def client_in(language: str) -> Client:
    client = Client()
    client.cookies["django_language"] = language
    return client


def page_with_summary(response, language: str) -> Page:
    """The page, checked to hold one error summary (role=alert, focusable, headed in its language)."""
    body = response.content.decode()
    assert response.status_code == 200, (response.status_code, response.get("Location"))
    assert f'<html lang="{language}">' in body
    assert '<script src="/static/js/focus-errors.js" defer>' in body  # it focuses the summary
    page = Page(body)
    [summary] = page.summaries
    assert summary["role"] == "alert" and summary["tabindex"] == "-1", summary
    assert HEADING[language] in summary["text"], summary["text"]
    return page


def assert_field_error(page: Page, field_id: str) -> None:
    """The field is marked invalid, described by its own error, and the summary links to it."""
    field = page.by_id[field_id]
    assert field.get("aria-invalid") == "true", field
    assert f"{field_id}_error" in field.get("aria-describedby", "").split(), field
    assert f"{field_id}_error" in page.by_id
    assert f"#{field_id}" in page.summaries[0]["links"]
