"""On a phone, a channel named inside a sentence never breaks at its hyphen ("sans e-" at a line's end,
"mail" on the next), while it still reads, searches and copies as "e-mail"; and the topics grid's error
summary says which topic's checkbox is in error and takes the keyboard to it."""

import re

import pytest
from playwright.sync_api import expect

from preferences.changes import preferences_change
from tests.browser.test_customer_journey import sign_in
from tests.conftest import make_customer_user
from tests.links.conftest import unsubscribe_path
from tests.preferences.helpers import CUSTOMER

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}

# For each width of the sentence's box from 390 px down to 100 px: on how many lines the first "e-mail"
# of the box lies (one unless it breaks), wherever the text nodes around it start and end.
LINES_OF_THE_WORD = """([selector, word]) => {
  const box = document.querySelector(selector);
  const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
  let node, at = -1;
  while ((node = walker.nextNode()) && (at = node.data.indexOf(word)) < 0) {}
  if (at < 0) return null;
  const range = document.createRange();
  range.setStart(node, at);
  range.setEnd(node, at + word.length);
  const split = [];
  for (let width = 390; width >= 100; width -= 1) {
    box.style.width = width + "px";
    const tops = new Set(Array.from(range.getClientRects(), (rect) => Math.round(rect.top)));
    if (tops.size > 1) split.push(width);
  }
  box.style.width = "";
  return split;
}"""


def _phone(browser, site, language="fr"):
    context = browser.new_context(viewport=PHONE, bypass_csp=True, locale="fr-FR")
    context.add_cookies([{"name": "django_language", "value": language, "url": site}])
    return context, context.new_page()


def test_the_overview_s_saving_keeps_e_mail_whole_at_any_width(browser, site):
    make_customer_user("camille@example.com", language="fr")
    context, page = _phone(browser, site)
    sign_in(page, site, "camille@example.com")
    expect(page).to_have_url(re.compile("/my/$"))
    sentence = page.locator("main p", has_text="sans e-mail")
    expect(sentence).to_be_visible()
    sentence.evaluate("(p) => p.id = 'saving-under-test'")
    assert page.evaluate(LINES_OF_THE_WORD, ["#saving-under-test", "e-mail"]) == []
    # What is kept whole is still the plain word: the text, a search and a copy meet "e-mail".
    assert "sans e-mail économiserait" in " ".join(sentence.inner_text().split())
    context.close()


def test_a_sentence_of_the_catalogue_keeps_e_mail_whole_at_any_width(browser, site):
    """At 390 px "les adresses e-mail et les numéros" ended a line on "e-": a translation is HTML, kept whole too."""
    make_customer_user("camille@example.com", language="fr")
    context, page = _phone(browser, site)
    sign_in(page, site, "camille@example.com")
    expect(page).to_have_url(re.compile("/my/$"))
    page.goto(site + "/my/channels/")
    sentence = page.locator("main p", has_text="les adresses e-mail")
    sentence.evaluate("(p) => p.id = 'sentence-under-test'")
    assert page.evaluate(LINES_OF_THE_WORD, ["#sentence-under-test", "e-mail"]) == []
    context.close()


def test_the_unsubscribe_page_keeps_e_mail_whole_at_any_width(browser, site):
    _, customer = make_customer_user("camille@example.com", language="fr")
    preferences_change(customer_id=customer.pk, changes={"subscription.offers.email": "in"}, context=CUSTOMER)
    path, _link = unsubscribe_path(customer)
    context, page = _phone(browser, site)
    page.goto(site + path)
    expect(page.locator("main .lead")).to_contain_text("par e-mail")
    assert page.evaluate(LINES_OF_THE_WORD, ["main .lead", "e-mail"]) == []
    context.close()


@pytest.mark.parametrize(
    ("language", "first", "second"),
    [
        ("fr", "Offres et promotions\u00a0: e-mail", "Lettre d’information\u00a0: e-mail"),
        ("en", "Offers and promotions: email", "Newsletter: email"),
    ],
)
def test_the_grid_s_error_summary_names_each_checkbox_with_its_topic_and_leads_to_it(
    browser, site, assert_accessible, language, first, second
):
    _, customer = make_customer_user("camille@example.com", language=language)
    preferences_change(customer_id=customer.pk, changes={"customer.marketing_objection": True}, context=CUSTOMER)
    context, page = _phone(browser, site, language)
    sign_in(page, site, "camille@example.com")
    expect(page).to_have_url(re.compile("/my/$"))
    page.goto(site + "/my/topics/")
    page.locator("#id_sub__offers__email").check()
    page.locator("#id_sub__newsletter__email").check()
    page.get_by_role("button", name=re.compile("Enregistrer mes choix|Save my choices")).click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    links = summary.get_by_role("link")
    expect(links).to_have_text([first, second])
    # The keyboard follows the second link: the newsletter's own email checkbox has the focus, in view.
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(links.nth(1)).to_be_focused()
    page.keyboard.press("Enter")
    checkbox = page.locator("#id_sub__newsletter__email")
    expect(checkbox).to_be_focused()
    expect(checkbox).to_be_in_viewport()
    assert_accessible(page)
    context.close()
