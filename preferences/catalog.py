"""The catalogue (channels and topics) and the notice versions in force: configuration, small and
read on every request, so cached in the process and stamped in the shared cache."""

import uuid
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction

from common.memo import RecentValues, memo_register, shared_forget
from preferences.models import Channel, Notice, Topic

CATALOG_STAMP_KEY = "preferences:catalog-stamp:v1"
# Other processes see a supervisor's edit within this time even without a shared cache.
CATALOG_CACHE_SECONDS = 30


@dataclass(frozen=True)
class Catalog:
    """Channels and topics: configuration, small and read on every request, so cached."""

    channels: list[Channel]
    topics: list[Topic]

    @property
    def channels_by_code(self) -> dict[str, Channel]:
        return {channel.code: channel for channel in self.channels}

    @property
    def topics_by_code(self) -> dict[str, Topic]:
        return {topic.code: topic for topic in self.topics}


# The stamp as this process read it in the last second (an edit reaches other processes within that time).
_CATALOG_STAMP_RECENT = RecentValues(seconds=1.0)
# This process's catalogue and the stamp it was loaded under. The shared cache holds only the stamp:
# unpickling channels and topics on every request cost more than the rest of a read.
_catalog_loaded: tuple[str, Catalog] | None = None


def catalog_get() -> Catalog:
    """The catalogue, loaded again (two queries) when its stamp in the cache changes: after an edit
    (catalog_invalidate) or every CATALOG_CACHE_SECONDS."""
    global _catalog_loaded
    stamp = _CATALOG_STAMP_RECENT.get(CATALOG_STAMP_KEY)
    if stamp is None:
        stamp = cache.get(CATALOG_STAMP_KEY)
        if stamp is not None:
            _CATALOG_STAMP_RECENT.set(CATALOG_STAMP_KEY, stamp)
    if stamp is not None and _catalog_loaded is not None and _catalog_loaded[0] == stamp:
        return _catalog_loaded[1]
    catalog = Catalog(channels=list(Channel.objects.all()), topics=list(Topic.objects.all()))
    if stamp is None:
        stamp = uuid.uuid4().hex
        if not cache.add(CATALOG_STAMP_KEY, stamp, CATALOG_CACHE_SECONDS):
            stamp = cache.get(CATALOG_STAMP_KEY) or stamp  # another process stamped it first
    _catalog_loaded = (stamp, catalog)
    _CATALOG_STAMP_RECENT.set(CATALOG_STAMP_KEY, stamp)
    return catalog


def catalog_invalidate() -> None:
    """Every process loads the catalogue again (this one at once, the others within a second)."""
    _CATALOG_STAMP_RECENT.clear()
    shared_forget(CATALOG_STAMP_KEY)


def _catalog_loaded_forget() -> None:
    global _catalog_loaded
    _catalog_loaded = None


memo_register(_catalog_loaded_forget)


NOTICE_VERSIONS_CACHE_KEY = "preferences:notice-versions:v1"


# The versions as this process read them in the last second: a change no longer pays a cache round
# trip for them (on Redis, a tenth of a change's time). A publication reaches other processes within it.
_NOTICE_VERSIONS_RECENT = RecentValues(seconds=1.0)


def notice_versions_current() -> dict[str, int | None]:
    """The version in force of each notice, recorded with every consent event. Cached like the
    catalogue's stamp (this process for a second, the shared cache behind it); publishing a version
    clears both (preferences.notices). Callers read it, never change it."""
    versions = _NOTICE_VERSIONS_RECENT.get(NOTICE_VERSIONS_CACHE_KEY)
    if versions is not None:
        return versions
    versions = cache.get(NOTICE_VERSIONS_CACHE_KEY)
    if versions is None:
        versions = {kind: None for kind in Notice.Kind.values}
        for kind, version in Notice.objects.order_by("kind", "-version").values_list("kind", "version"):
            if versions.get(kind) is None:
                versions[kind] = version
        cache.set(NOTICE_VERSIONS_CACHE_KEY, versions, CATALOG_CACHE_SECONDS)
    _NOTICE_VERSIONS_RECENT.set(NOTICE_VERSIONS_CACHE_KEY, versions)
    return versions


def notice_versions_invalidate() -> None:
    """This process reads the versions again at once (and after the commit), the others within a second."""
    _NOTICE_VERSIONS_RECENT.forget(NOTICE_VERSIONS_CACHE_KEY)
    transaction.on_commit(lambda: _NOTICE_VERSIONS_RECENT.forget(NOTICE_VERSIONS_CACHE_KEY))
    shared_forget(NOTICE_VERSIONS_CACHE_KEY)

