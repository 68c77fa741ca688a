"""IndicatorStore on SQLite and PostgreSQL: lists, idempotent imports, per-record errors,
removal that keeps history, round trips through CSV, STIX and MISP, and the schema."""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shieldwall.errors import InputError, InvalidRecordError
from shieldwall.exchange.indicators import (
    RecordProblem,
    read_csv,
    read_misp,
    read_stix,
    write_csv,
    write_misp,
    write_stix,
)
from shieldwall.signals.text import Indicator, IndicatorKind
from shieldwall.store import make_engine
from shieldwall.store.indicator_models import IndicatorStatus
from shieldwall.store.indicators import (
    ImportReport,
    IndicatorListExistsError,
    IndicatorListNotFoundError,
    IndicatorNotFoundError,
    IndicatorStore,
)
from shieldwall.store.models import Base

FEED_CSV = (
    "id,kind,value,source,confidence,expires_at,description\r\n"
    "1,bot_handle,@Undress_Demo_Bot,demo,0.9,,a made-up bot\r\n"
    "2,domain,WWW.nudify-demo.example.,demo,0.8,,\r\n"
    "3,url_prefix,https://share.test/r/nudify-demo,demo,0.7,2999-01-01T00:00:00Z,\r\n"
    "4,keyword,undress anyone free,demo,0.6,,\r\n"
    "5,app_id,com.example.nudifydemo,demo,1,,\r\n"
)


def _import_csv(store: IndicatorStore, name: str, text: str) -> ImportReport:
    return store.import_indicators(list_name=name, items=read_csv(io.StringIO(text)))


def _values(store: IndicatorStore, name: str) -> set[tuple[str, str]]:
    return {(s.kind.value, s.value) for s in store.iter_indicators(list_name=name)}


def test_lists_are_created_listed_and_named_once(store: IndicatorStore) -> None:
    created = store.create_list(name="demo-feed", source="Demo feed", description="made up")
    assert (created.name, created.source, created.enabled) == ("demo-feed", "Demo feed", True)
    with pytest.raises(IndicatorListExistsError):
        store.create_list(name="demo-feed")
    with pytest.raises(InputError):
        store.create_list(name="no spaces/or slashes")
    store.create_list(name="another", enabled=False)
    assert [(i.name, i.enabled) for i in store.list_lists()] == [
        ("another", False),
        ("demo-feed", True),
    ]
    with pytest.raises(IndicatorListNotFoundError):
        store.get_list(name="missing")


def test_added_values_are_stored_canonical_and_adding_again_changes_nothing(
    store: IndicatorStore,
) -> None:
    store.create_list(name="demo")
    first, changed = store.add_indicator(
        list_name="demo", kind="bot_handle", value="@Undress_Demo_Bot"
    )
    assert changed and first.value == "undress_demo_bot" and first.status is IndicatorStatus.ACTIVE
    revision = store.revision()
    again, changed = store.add_indicator(
        list_name="demo", kind="bot_handle", value="undress_demo_bot"
    )
    assert not changed and again.id == first.id and store.revision() == revision
    assert store.get_list(name="demo").active_indicators == 1
    with pytest.raises(InvalidRecordError):
        store.add_indicator(list_name="demo", kind="domain", value="not a host")


def test_removal_keeps_the_row_stops_matching_and_a_re_add_restores_it(
    store: IndicatorStore,
) -> None:
    store.create_list(name="demo")
    store.add_indicator(list_name="demo", kind="domain", value="nudify-demo.example")
    removed = store.remove_indicator(
        list_name="demo", kind="domain", value="WWW.Nudify-Demo.example"
    )
    assert removed.status is IndicatorStatus.REMOVED and removed.removed_at is not None
    assert store.load_active() == []
    assert _values(store, "demo") == set()
    history = list(store.iter_indicators(list_name="demo", include_removed=True))
    assert [h.value for h in history] == ["nudify-demo.example"]
    again = store.remove_indicator_by_id(list_name="demo", indicator_id=removed.id)
    assert again.removed_at == removed.removed_at  # removing twice is harmless
    with pytest.raises(IndicatorNotFoundError):
        store.remove_indicator(list_name="demo", kind="domain", value="other-demo.example")
    _, changed = store.add_indicator(list_name="demo", kind="domain", value="nudify-demo.example")
    assert changed and [i.value for i in store.load_active()] == ["nudify-demo.example"]


def test_importing_the_same_feed_twice_changes_nothing(store: IndicatorStore) -> None:
    store.create_list(name="demo")
    first = _import_csv(store, "demo", FEED_CSV)
    assert (first.added, first.updated, first.unchanged, first.problems) == (5, 0, 0, [])
    revision = store.revision()
    second = _import_csv(store, "demo", FEED_CSV)
    assert (second.added, second.updated, second.unchanged) == (0, 0, 5)
    assert store.revision() == revision
    assert _values(store, "demo") == {
        ("bot_handle", "undress_demo_bot"),
        ("domain", "nudify-demo.example"),
        ("url_prefix", "share.test/r/nudify-demo"),
        ("keyword", "undress anyone free"),
        ("app_id", "com.example.nudifydemo"),
    }


def test_a_republished_indicator_updates_confidence_and_expiry(store: IndicatorStore) -> None:
    store.create_list(name="demo")
    _import_csv(store, "demo", FEED_CSV)
    newer = FEED_CSV.replace("0.8,,", "0.4,2999-06-01T00:00:00Z,moved")
    report = _import_csv(store, "demo", newer)
    assert (report.added, report.updated, report.unchanged) == (0, 1, 4)
    stored = store.get_indicator(list_name="demo", kind="domain", value="nudify-demo.example")
    assert stored.confidence == 0.4
    assert stored.expires_at == datetime(2999, 6, 1, tzinfo=UTC)
    assert stored.description == "moved"


def test_bad_records_are_reported_with_positions_and_the_good_ones_stored(
    store: IndicatorStore,
) -> None:
    store.create_list(name="demo")
    feed = (
        "id,kind,value,source,confidence\n"
        "1,domain,good-demo.example,demo,0.9\n"
        "2,domain,no-dot,demo,0.9\n"
        "3,weapon,x,demo,0.9\n"
        "4,keyword,nudify anyone,demo,1.5\n"
        f"{'x' * 300},keyword,long id,demo,1\n"
        "6,bot_handle,@also_good_demo_bot,demo,0.5\n"
    )
    report = store.import_indicators(list_name="demo", items=read_csv(io.StringIO(feed)), chunk=2)
    assert report.added == 2
    positions = {p.position: p.code for p in report.problems}
    assert positions == {
        "line 3": "invalid_record",
        "line 4": "invalid_record",
        "line 5": "invalid_record",
        "record 5": "invalid_record",
    }
    assert _values(store, "demo") == {
        ("domain", "good-demo.example"),
        ("bot_handle", "also_good_demo_bot"),
    }


def test_disabled_lists_and_expired_indicators_do_not_load(store: IndicatorStore) -> None:
    store.create_list(name="on")
    store.create_list(name="off", enabled=False)
    store.add_indicator(list_name="on", kind="keyword", value="undress anyone free")
    store.add_indicator(
        list_name="on",
        kind="domain",
        value="old-demo.example",
        expires_at=datetime.now(UTC) - timedelta(days=1),
    )
    store.add_indicator(list_name="off", kind="domain", value="nudify-demo.example")
    loaded = store.load_active()
    assert [(i.source, i.value) for i in loaded] == [("on", "undress anyone free")]
    before = store.revision()
    store.update_list(name="off", enabled=True)
    assert store.revision() > before
    assert {i.value for i in store.load_active()} == {"undress anyone free", "nudify-demo.example"}


@pytest.mark.parametrize(
    ("write", "read"),
    [
        (write_csv, lambda s: read_csv(io.StringIO(s))),
        (write_stix, read_stix),
        (write_misp, read_misp),
    ],
    ids=["csv", "stix", "misp"],
)
def test_export_round_trip_restores_the_same_indicators(
    store: IndicatorStore,
    write: Callable[..., object],
    read: Callable[[str], Iterable[Indicator | RecordProblem]],
) -> None:
    store.create_list(name="origin", source="demo")
    _import_csv(store, "origin", FEED_CSV)
    store.remove_indicator(list_name="origin", kind="keyword", value="undress anyone free")
    buffer = io.StringIO()
    write(store.export_indicators(list_name="origin"), buffer)
    store.create_list(name="copy")
    report = store.import_indicators(list_name="copy", items=read(buffer.getvalue()))
    assert (report.added, report.problems) == (4, [])

    def fields(name: str) -> set[tuple[object, ...]]:
        return {
            (s.external_id, s.kind, s.value, s.confidence, s.expires_at, s.description)
            for s in store.iter_indicators(list_name=name)
        }

    assert fields("copy") == fields("origin")


_KINDS_VALUES = st.sampled_from(
    [
        ("domain", "nudify-demo.example"),
        ("domain", "WWW.Nudify-Demo.example."),
        ("bot_handle", "@undress_demo_bot"),
        ("bot_handle", "Undress_Demo_Bot"),
        ("keyword", "undress  anyone free"),
        ("keyword", "Undress anyone FREE"),
        ("app_id", "com.example.nudifydemo"),
        ("url_prefix", "https://share.test/r/demo"),
        ("url_prefix", "share.test/r/demo"),
    ]
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(records=st.lists(_KINDS_VALUES, max_size=12))
def test_any_feed_imported_twice_leaves_one_row_per_canonical_value(
    store: IndicatorStore, records: list[tuple[str, str]]
) -> None:
    name = f"p{next(_counter)}"
    store.create_list(name=name)
    items = [Indicator(id=str(i), kind=k, value=v, source="p") for i, (k, v) in enumerate(records)]  # type: ignore[arg-type]
    store.import_indicators(list_name=name, items=items)
    revision = store.revision()
    again = store.import_indicators(list_name=name, items=items)
    assert again.added == again.updated == 0
    assert store.revision() == revision
    expected = {(i.kind.value, i.value) for i in items}
    assert _values(store, name) == expected
    assert store.get_list(name=name).active_indicators == len(expected)


_counter = itertools.count()

_TABLES = {"indicator_lists", "indicators", "indicator_revision"}


def test_migration_builds_the_tables_the_models_describe(
    store: IndicatorStore, database_url: str
) -> None:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn,
                opts={
                    "compare_type": True,
                    # Other parts own the other tables; hold these three to their models.
                    "include_object": lambda _obj, name, kind, _refl, _cmp: (
                        kind != "table" or name in _TABLES
                    ),
                },
            )
            diffs = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert diffs == []
    assert store.revision() == 0
    assert IndicatorKind("domain") is IndicatorKind.DOMAIN
