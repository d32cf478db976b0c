"""django-allauth's own French reads like the rest of the site: the typographic apostrophe and a no-break
space before the high punctuation (the project's catalogue replaces allauth's strings: LOCALE_PATHS first)."""

import re

from django.test import Client


def _french(client: Client) -> Client:
    client.cookies["django_language"] = "fr"
    return client


def test_the_sign_in_page_speaks_french_with_french_typography(db):
    body = _french(Client()).get("/accounts/login/").content.decode()
    assert "Si vous n’avez pas encore créé de compte" in body
    assert "n'avez" not in body


def _visible_main(html: str) -> str:
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    main = re.sub(r'<span class="nowrap">([^<]*)</span>', r"\1", main)  # inline: "e-mail" kept on one line
    return re.sub(r"<[^>]+>", " ", main.split(">", 1)[1]).replace("&#x27;", "'")


def test_an_allauth_error_speaks_french_with_french_typography(db):
    response = _french(Client()).post("/accounts/login/", {"login": "nobody@example.com", "password": "wrong-one-2026"})
    text = _visible_main(response.content.decode())
    assert "L’adresse e-mail ou le mot de passe sont incorrects." in text
    assert "Mot de passe oublié\u00a0?" in text
    assert not re.search(r"\w'\w", text)
    assert " :" not in text and " ?" not in text  # a no-break space, not a plain one
