"""After a save, the confirmation is where keyboard and screen reader users land: the messages block
can take the focus (tabindex=-1) and static/js/focus-errors.js gives it, as it does the error summary.
Without JavaScript it is the first thing in <main>, read out through role=status. (The focus itself:
tests/browser/test_focus_on_load.py.)"""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_confirmation_of_a_save_can_take_the_focus(customer_client):
    customer_client.cookies["django_language"] = "en"
    response = customer_client.post(
        reverse("preferences:ai"), {"ai_default": "human_only", "assistance_mode": "human_first"}, follow=True
    )
    page = response.content.decode()
    main = page[page.index('<main id="main"') :]
    assert main.split(">", 2)[1].strip().startswith('<div class="messages" id="site-messages" role="status" tabindex="-1"')
    assert "Your choices were saved." in main
    assert '<script src="/static/js/focus-errors.js" defer>' in page


def test_a_page_with_nothing_to_confirm_has_no_messages_block(customer_client):
    assert 'id="site-messages"' not in customer_client.get(reverse("preferences:ai")).content.decode()
