"""The team box on the request pages says the team is closed on public holidays only when it is
(SupportTeam.closed_on_public_holidays): a team that works them is not said to be closed."""

import pytest

from contact_requests.models import SupportTeam

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "closed", "open_"),
    [
        ("fr", "Nos heures d’ouverture (fuseau horaire\u00a0: France métropolitaine\u00a0; fermé les jours fériés)\u00a0:",
         "Nos heures d’ouverture (fuseau horaire\u00a0: France métropolitaine)\u00a0:"),
        ("en", "Our opening hours (time zone: Metropolitan France; closed on French public holidays):",
         "Our opening hours (time zone: Metropolitan France):"),
    ],
)
def test_the_team_box_mentions_public_holidays_only_when_the_team_closes_on_them(
    customer_client, language, closed, open_
):
    customer_client.cookies["django_language"] = language
    SupportTeam.objects.update(closed_on_public_holidays=True)
    page = customer_client.get("/my/requests/").content.decode()
    assert closed in page and open_ not in page

    SupportTeam.objects.update(closed_on_public_holidays=False)
    page = customer_client.get("/my/requests/").content.decode()
    box = page[page.index('id="team-contact"') :]
    assert open_ in box
    assert "fériés" not in box and "public holidays" not in box
