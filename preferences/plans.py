"""A contact-plan request for many customers: find their documents, read the week's marketing sends
when the topic is marketing, and decide for each (preferences.contact_plan). Surfaces turn a request
into this call and its answer into their own shape."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from preferences.contact_plan import ContactPlan, contact_plan_decide, sends_counted
from preferences.document import PreferenceDocument
from preferences.documents_pg import ColumnBeside, preference_documents_active_beside
from preferences.domain import TopicKind

# When marketing messages were reported sent to each of these customers in the week before `at`
# (called as marketing_sends_get(customer_ids=[...], at=at), one query). The sends are reported by
# other systems and kept by the API surface, above the core: the caller passes its reader in, and it
# is asked only for the customers found, after their documents are loaded.
MarketingSendsGet = Callable[..., Mapping[int, Sequence[datetime]]]
# The same sends read in the documents' own statement (PostgreSQL), which saves the plan a round trip:
# marketing_sends_column(at=at) gives a SQL expression on the customer row for that customer's sends of
# the week, as an array of times (null for none).
MarketingSendsColumn = Callable[..., ColumnBeside]


@dataclass(frozen=True)
class CustomerPlan:
    plan: ContactPlan
    external_id: str | None


@dataclass(frozen=True)
class ContactPlans:
    plans: list[CustomerPlan]  # in the order asked, each customer once
    unknown: list[int | str]  # ids or external ids asked for with no (or an erased) customer


def contact_plans_decide(
    *,
    topic,
    ai_generated: bool,
    at: datetime,
    customer_ids: Sequence[int] = (),
    external_ids: Sequence[str] = (),
    marketing_sends_get: MarketingSendsGet,
    marketing_sends_column: MarketingSendsColumn | None = None,
) -> ContactPlans:
    """Decide for the customers with these ids, or else these external ids, in a few queries whatever their
    number: one on PostgreSQL when the caller gives marketing_sends_column (the sends read beside the documents)."""
    by_id = bool(customer_ids)
    wanted: list = list(dict.fromkeys(customer_ids if by_id else external_ids))
    beside = marketing_sends_column(at=at) if marketing_sends_column and topic.kind == TopicKind.MARKETING else None
    loaded, sent = preference_documents_active_beside(
        ids=wanted if by_id else (), external_ids=() if by_id else wanted, beside=beside
    )
    if sent is not None:  # read with the documents: asked again of nobody
        week = {document.customer.pk: times or () for document, times in zip(loaded, sent, strict=True)}
        marketing_sends_get = partial(_sends_read, week)
    documents = {d.customer.pk if by_id else d.customer.external_id: d for d in loaded}
    found = [documents[key] for key in wanted if key in documents]
    plans = contact_plans_for_documents(
        documents=found, topic=topic, ai_generated=ai_generated, at=at, marketing_sends_get=marketing_sends_get
    )
    return ContactPlans(plans=plans, unknown=[key for key in wanted if key not in documents])


def _sends_read(week: Mapping[int, Sequence[datetime]], *, customer_ids: list[int], at: datetime):
    """A MarketingSendsGet over the sends already read (for the same `at`)."""
    return {customer_id: week[customer_id] for customer_id in customer_ids}


def contact_plans_for_documents(
    *,
    documents: Sequence[PreferenceDocument],
    topic,
    ai_generated: bool,
    at: datetime,
    marketing_sends_get: MarketingSendsGet,
) -> list[CustomerPlan]:
    """Decide for already loaded documents, in their order: one query for the week's marketing sends
    of those with a weekly cap (sends_counted: only for a marketing topic), none when no one has one. The single plan, a batch
    of 1,000 and an audience's chunk (audiences) all decide through here."""
    # Only the customers whose plan counts them (a fifth of a chunk's customers on the bench base); no
    # query at all when there is none (most single plans).
    counted = [d.customer.pk for d in documents if sends_counted(d.customer, topic)]
    sends = marketing_sends_get(customer_ids=counted, at=at) if counted else {}
    return [
        CustomerPlan(
            plan=contact_plan_decide(
                document=document,
                topic=topic,
                ai_generated=ai_generated,
                at=at,
                marketing_sent_at=sends.get(document.customer.pk, ()),
            ),
            external_id=document.customer.external_id,
        )
        for document in documents
    ]
