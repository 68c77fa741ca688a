"""Load the records a transparency report needs from the database (read only).

The decisions and items tables give :class:`DecisionFact` s; the victim
``cases`` table, when this installation has one, gives :class:`RequestFact` s.
Reflection rather than an import of the web tables' models keeps the report
working on databases migrated before those tables existed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Engine, select

from shieldwall.reports.sor import RESTRICTIONS, SorSettings, statement_of_reasons
from shieldwall.reports.transparency import (
    AppealFact,
    DecisionFact,
    RequestFact,
    TransparencyReport,
    build_report,
)
from shieldwall.store.items import decision_info, item_info
from shieldwall.store.service_models import DecisionRow, ItemRow


def _fact(d: DecisionRow, item: ItemRow) -> DecisionFact:
    return DecisionFact(
        decision_id=d.id,
        item_id=d.item_id,
        created_at=d.created_at,
        item_created_at=item.created_at,
        source=d.source,
        verdict=d.verdict,
        categories=tuple(
            dict.fromkeys(str(f.get("category")) for f in d.fired or [] if f.get("category"))
        ),
        surface=item.surface,
        jurisdictions=tuple(item.jurisdictions or ()),
        match_count=sum(1 for m in d.matches or [] if not m.get("suppressed_by")),
    )


def load_report(
    engine: Engine, *, period_from: datetime, period_to: datetime
) -> TransparencyReport:
    """Build the report for [period_from, period_to) from the database."""
    with sa.orm.Session(engine) as session:
        rows = session.execute(
            select(DecisionRow, ItemRow)
            .join(ItemRow, ItemRow.id == DecisionRow.item_id)
            .where(DecisionRow.created_at >= period_from, DecisionRow.created_at < period_to)
            .order_by(DecisionRow.created_at, DecisionRow.id)
        ).all()
        facts = [_fact(d, i) for d, i in rows]
        ids = sorted({f.item_id for f in facts})
        earlier: dict[int, list[DecisionFact]] = defaultdict(list)
        for start in range(0, len(ids), 5000):
            part = ids[start : start + 5000]
            for d, i in session.execute(
                select(DecisionRow, ItemRow)
                .join(ItemRow, ItemRow.id == DecisionRow.item_id)
                .where(DecisionRow.item_id.in_(part), DecisionRow.created_at < period_from)
                .order_by(DecisionRow.created_at, DecisionRow.id)
            ):
                earlier[d.item_id].append(_fact(d, i))
    return build_report(
        facts,
        period_from=period_from,
        period_to=period_to,
        earlier=earlier,
        requests=load_requests(engine),
        appeals=load_appeals(engine, period_from=period_from, period_to=period_to),
    )


def load_appeals(
    engine: Engine, *, period_from: datetime, period_to: datetime
) -> list[AppealFact] | None:
    """Appeals decided in the period (upheld and reversed); None when there is no table."""
    if not sa.inspect(engine).has_table("appeals"):
        return None
    appeals = sa.Table("appeals", sa.MetaData(), autoload_with=engine)
    from shieldwall.store.models import UTCDateTime

    kind = UTCDateTime()
    with engine.connect() as conn:
        rows = conn.execute(
            select(appeals.c.decided_at, appeals.c.outcome).where(
                appeals.c.decided_at.is_not(None), appeals.c.outcome.is_not(None)
            )
        ).all()
    out: list[AppealFact] = []
    for at, outcome in rows:
        when = kind.process_result_value(at, engine.dialect)
        if when is not None and period_from <= when < period_to:
            out.append(AppealFact(when, str(outcome)))
    return out


def load_requests(engine: Engine) -> list[RequestFact] | None:
    """Victim requests from the ``cases`` table; None when there is no such table."""
    if not sa.inspect(engine).has_table("cases"):
        return None
    cases = sa.Table("cases", sa.MetaData(), autoload_with=engine)
    from shieldwall.store.models import UTCDateTime

    def when(value: object) -> datetime | None:
        return None if value is None else UTCDateTime().process_result_value(value, engine.dialect)  # type: ignore[arg-type]

    with engine.connect() as conn:
        rows = conn.execute(
            select(
                cases.c.jurisdiction,
                cases.c.received_at,
                cases.c.valid_at,
                cases.c.actioned_at,
                cases.c.status,
            )
        ).all()
    out: list[RequestFact] = []
    for r in rows:
        received = when(r[1])
        if received is not None:
            out.append(RequestFact(str(r[0]), received, when(r[2]), when(r[3]), str(r[4])))
    return out


def iter_statements(
    engine: Engine,
    *,
    period_from: datetime,
    period_to: datetime,
    settings: SorSettings | None = None,
) -> Iterator[dict[str, object]]:
    """A statement of reasons for every restriction made in [period_from, period_to)."""
    last: tuple[datetime, str] | None = None
    while True:
        query = (
            select(DecisionRow, ItemRow)
            .join(ItemRow, ItemRow.id == DecisionRow.item_id)
            .where(
                DecisionRow.created_at >= period_from,
                DecisionRow.created_at < period_to,
                DecisionRow.verdict.in_(RESTRICTIONS),
            )
            .order_by(DecisionRow.created_at, DecisionRow.id)
            .limit(1000)
        )
        if last is not None:
            query = query.where(
                sa.or_(
                    DecisionRow.created_at > last[0],
                    sa.and_(DecisionRow.created_at == last[0], DecisionRow.id > last[1]),
                )
            )
        with sa.orm.Session(engine) as session:
            rows = session.execute(query).all()
            batch = [(decision_info(d), item_info(i)) for d, i in rows]
        if not batch:
            return
        for decision, item in batch:
            yield statement_of_reasons(decision, item, settings=settings)
        last = (batch[-1][0].created_at, batch[-1][0].id)


__all__ = ["iter_statements", "load_appeals", "load_report", "load_requests"]
