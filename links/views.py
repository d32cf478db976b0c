"""The one-click pages: /unsubscribe/<token>/ and /confirm/<token>/ (double opt-in confirmation). GET
shows one button and changes nothing (mail software fetches links to scan them); POST does it at once,
with no login, cookie or CSRF token (RFC 8058: the mail client POSTs `List-Unsubscribe=One-Click`; the
page's button POSTs the same).

CSRF protection would refuse the mail client's POST with a 403 and break one-click; it protects
nothing here, since the secret is the token in the URL, which a forging site does not have.
"""

from django.conf import settings
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from common.request_origin import request_origin
from links.models import LinkPurpose
from links.ratelimit import by_address, by_url_argument, rate_limited
from links.services import (
    ONE_CLICK_POST_BODY,
    LinkError,
    link_describe,
    link_leaves_topic_without_channel,
    link_resolve,
    link_use,
)
from preferences.domain import ActorType, Source
from preferences.ledger import ChangeContext


def _per_address_per_minute() -> int:
    return settings.ONE_CLICK_RATE_LIMIT_PER_MINUTE


def _per_link_per_minute() -> int:
    return settings.ONE_CLICK_LINK_RATE_LIMIT_PER_MINUTE


def _customer_language_activate(request, link) -> None:
    """The page speaks the language of the message that carried the link, the customer's, unless the
    visitor chose one on this site (the language switcher's cookie): a browser set to French opening an
    English email's link would otherwise read the page in French."""
    if settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
        return
    translation.activate(link.customer.language)
    request.LANGUAGE_CODE = translation.get_language()


def _no_index(response):
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _link_page(request, token: str, *, purpose: LinkPurpose | None):
    try:
        link = link_resolve(token=token, purpose=purpose)
    except LinkError as error:
        return _no_index(render(request, "links/invalid.html", {"error": error}, status=error.status))
    _customer_language_activate(request, link)
    context = {
        "link": link,
        "what": link_describe(link),
        "is_confirmation": link.purpose == LinkPurpose.CONFIRM,
        "leaves_no_channel": request.method != "POST" and link_leaves_topic_without_channel(link),
        # A customer known only through another system (the CRM, the API) has no account to sign in to.
        "has_account": link.customer.user_id is not None,
        "post_body_name": ONE_CLICK_POST_BODY.split("=")[0],
        "post_body_value": ONE_CLICK_POST_BODY.split("=")[1],
    }
    if request.method != "POST":
        return _no_index(render(request, "links/one_click.html", context))
    change_context = ChangeContext(
        actor_type=ActorType.LINK, source=Source.LINK, actor_id=str(link.pk), **request_origin(request)
    )
    outcome = link_use(link=link, context=change_context)
    status = 200 if outcome.done else 409
    return _no_index(render(request, "links/done.html", {**context, "outcome": outcome}, status=status))


def _public_link_view(view):
    """No CSRF token, never cached, GET/HEAD/POST only, and one rate budget for both addresses (per
    visitor address, and per link: a token counts the same under /unsubscribe/ and /confirm/)."""
    limited = rate_limited(
        group="one-click",
        rules=(by_address(_per_address_per_minute), by_url_argument("token", _per_link_per_minute)),
    )(view)
    return csrf_exempt(never_cache(require_http_methods(["GET", "HEAD", "POST"])(limited)))


@_public_link_view
def one_click(request, token: str):
    """An unsubscribe link; also a confirmation link sent before /confirm/ existed (links in mailboxes)."""
    return _link_page(request, token, purpose=None)


@_public_link_view
def confirm(request, token: str):
    """A double opt-in confirmation link. Another link's token names no confirmation: 404, as unknown."""
    return _link_page(request, token, purpose=LinkPurpose.CONFIRM)
