"""A channel's or topic's name inside a sentence loses its capital ("sans e-mail", "without email"),
except an acronym (SMS) or a proper name (WhatsApp), on the customer's pages and in what is sent to
them; the same name as a label (a table header, a checkbox) keeps it. The rule is common.sentences'.
On a page, such a name is kept whole at its hyphen (a nowrap span around the plain word: a phone's line
never ends on "e-"); in plain text (emails, SMS) it is written as is."""

import re

import pytest
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe

from common.sentences import in_sentence, unbroken
from links.services import link_describe
from preferences.changes import preferences_change
from preferences.domain import ActorType, Source
from preferences.history import event_rows
from preferences.ledger import ChangeContext
from preferences.models import ConsentEvent
from preferences.selectors import preference_document_get
from tests.links.conftest import unsubscribe_path

pytestmark = pytest.mark.django_db

CUSTOMER = ChangeContext(actor_type=ActorType.CUSTOMER, source=Source.PORTAL)


@pytest.mark.parametrize(
    ("label", "in_running_text"),
    [
        ("E-mail", "e-mail"),
        ("Email", "email"),
        ("Courrier postal", "courrier postal"),
        ("Appel téléphonique", "appel téléphonique"),
        ("Lettre d’information", "lettre d’information"),
        ("Écran partagé", "écran partagé"),
        ("SMS", "SMS"),  # an acronym
        ("RCS messages", "RCS messages"),
        ("Messagerie (WhatsApp, RCS…)", "messagerie (WhatsApp, RCS…)"),  # only the first word
        ("WhatsApp", "WhatsApp"),  # a proper name, told by its inner capital
        ("Messenger", "Messenger"),  # a proper name with one capital: listed
        ("Signalement", "signalement"),  # not the proper name it starts like
        ("iMessage", "iMessage"),
        ("", ""),
    ],
)
def test_a_label_in_running_text(label, in_running_text):
    assert in_sentence(label) == in_running_text


def test_the_template_filter_is_the_same_rule():
    rendered = Template("{{ a|in_sentence }} / {{ b|in_sentence }}").render(Context({"a": "Postal mail", "b": "SMS"}))
    assert rendered == "postal mail / SMS"


KEPT_WHOLE = re.compile(r'<span class="nowrap">([^<]*)</span>')


def _page(client: Client, name: str, language: str) -> str:
    """The page with its spaces folded (a no-break space too), every hyphenated word it keeps whole on one
    line checked to be wrapped so, and shown unwrapped, as a reader (and a search) meets it."""
    client.cookies["django_language"] = language
    page = " ".join(client.get(reverse(name)).content.decode().split())
    for match in KEPT_WHOLE.finditer(page):
        assert "-" in match.group(1), match.group(0)
    return KEPT_WHOLE.sub(r"\1", page)


def _kept_whole(client: Client, name: str, language: str) -> list[str]:
    client.cookies["django_language"] = language
    return KEPT_WHOLE.findall(client.get(reverse(name)).content.decode())


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("sans e-mail", 'sans <span class="nowrap">e-mail</span>'),
        # A stub of one or two letters is kept with its word; "reconnectez-/vous" may break, as French does.
        ("par e-mail, ci-dessous, l’e-mail ; reconnectez-vous", 'par <span class="nowrap">e-mail,</span> '
         '<span class="nowrap">ci-dessous,</span> l’<span class="nowrap">e-mail</span> ; reconnectez-vous'),
        ("<b>e-mail</b> & co", '&lt;b&gt;<span class="nowrap">e-mail&lt;/b&gt;</span> &amp; co'),  # escaped
        ("by SMS - or not", "by SMS - or not"),  # a hyphen between spaces joins no word
        ("", ""),
    ],
)
def test_a_word_starting_with_a_stub_is_kept_whole_on_a_page(text, html):
    assert unbroken(text) == html


def test_a_name_keeps_every_hyphenated_word_whole():
    assert unbroken("Après-vente", every_word=True) == '<span class="nowrap">Après-vente</span>'
    assert unbroken("Après-vente") == "Après-vente"


def test_html_already_safe_has_its_words_kept_whole_between_its_tags_only():
    html = mark_safe('<a href="/my/channels/?add=e-mail#add-email">Ajouter une adresse e-mail</a>, ci-dessous')
    assert unbroken(html) == (
        '<a href="/my/channels/?add=e-mail#add-email">Ajouter une adresse <span class="nowrap">e-mail</span></a>, '
        '<span class="nowrap">ci-dessous</span>'
    )


def test_sentences_of_the_catalogue_and_errors_keep_e_mail_whole_too(customer_client):
    """A translation written in a template ("les adresses e-mail et les numéros…") is safe HTML: its
    "e-mail" is kept whole all the same, and so is an error's."""
    customer_client.cookies["django_language"] = "fr"
    page = customer_client.get(reverse("preferences:channels")).content.decode()
    assert 'les adresses <span class="nowrap">e-mail</span> et les numéros' in page
    response = customer_client.post(reverse("preferences:contact_point_add", args=["email"]), {"value": "pas une adresse"})
    assert 'Saisissez une adresse <span class="nowrap">e-mail</span> valide.' in response.content.decode()


def test_the_filters_keep_names_whole_on_a_page_and_write_them_as_is_in_plain_text():
    context = Context({"name": "E-mail", "sentence": "« Offres » par e-mail"})
    source = "sans {{ name|in_sentence }}; {{ sentence|unbroken }}"
    assert Template(source).render(context) == 'sans <span class="nowrap">e-mail</span>; « Offres » par <span class="nowrap">e-mail</span>'
    plain = Template("{% autoescape off %}" + source + "{% endautoescape %}").render(context)
    assert plain == "sans e-mail; « Offres » par e-mail"  # an email's text: no markup, the plain hyphen
    assert "\u2011" not in plain


@pytest.mark.parametrize(
    ("language", "saving", "critical"),
    [
        ("fr", "» sans e-mail économiserait", "(sécurité du compte, contrat et informations légales)"),
        ("en", "” without email would save", "(account security, contract and legal notices)"),
    ],
)
def test_the_overview_names_channels_and_topics_in_its_sentences_without_their_capital(
    customer_client, language, saving, critical
):
    page = _page(customer_client, "preferences:overview", language)
    assert saving in page
    assert critical in page
    assert re.search(r"sans E-mail|without Email", page) is None
    if language == "fr":  # "e-mail" kept whole in the sentence; "email" has no hyphen to break at
        assert "e-mail" in _kept_whole(customer_client, "preferences:overview", language)
    # As labels (the rows' headers), the names keep their capital.
    assert (">Sécurité du compte</th>" if language == "fr" else ">Account security</th>") in page


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        ("fr", ["pas d’envoi par messagerie (WhatsApp, RCS…)", "pas d’envoi par SMS"]),
        ("en", ["not sent by messaging (WhatsApp, RCS…)", "not sent by SMS"]),
    ],
)
def test_the_topics_grid_says_which_channel_a_topic_is_not_sent_by(customer_client, language, texts):
    page = _page(customer_client, "preferences:topics", language)
    for text in texts:
        assert text in page
    assert ">E-mail<" in page or ">Email<" in page  # the column header keeps its capital


@pytest.mark.parametrize(("language", "text"), [("fr", "placer e-mail plus bas"), ("en", "move email down")])
def test_the_ranking_buttons_name_the_channel_in_a_sentence(customer_client, language, text):
    assert text in _page(customer_client, "preferences:channels", language)


@pytest.mark.parametrize(
    ("language", "what"), [("fr", "«\u00a0Offres et promotions\u00a0» par e-mail"), ("en", "“Offers and promotions” by email")]
)
def test_the_history_and_the_emails_built_from_it_say_by_which_channel(customer_client, customer_user, language, what):
    _, customer = customer_user
    preferences_change(customer_id=customer.pk, changes={"subscription.offers.email": "in"}, context=CUSTOMER)
    assert " ".join(what.split()) in _page(customer_client, "preferences:history", language)
    assert ("e-mail" in _kept_whole(customer_client, "preferences:history", language)) == (language == "fr")
    event = ConsentEvent.objects.filter(customer=customer, key="subscription.offers.email").latest("id")
    with translation.override(language):  # the support override's email to the customer reads these rows
        rows = event_rows([event], preference_document_get(customer_id=customer.pk).catalog)
    assert rows[0].what == what


@pytest.mark.parametrize(
    ("language", "what"), [("fr", "«\u00a0Offres et promotions\u00a0» par e-mail"), ("en", "“Offers and promotions” by email")]
)
def test_a_one_click_link_says_by_which_channel(customer_user, language, what):
    _, customer = customer_user
    path, link = unsubscribe_path(customer)
    with translation.override(language):
        assert link_describe(link) == what
    client = Client()
    client.cookies["django_language"] = language
    page = client.get(path).content.decode()
    assert what in KEPT_WHOLE.sub(r"\1", page)
    assert ('<span class="nowrap">e-mail</span>' in page) == (language == "fr")  # kept whole on a phone too
