"""Completeness: every enabled ad account has a row for every day of a date spine.

An account is enabled when at least one of its campaigns is (ENABLED on Google Ads, ACTIVE on
Meta and LinkedIn). The spine runs from `lookback_days` ago (or the account's first day, if
later) to the last day that should be final: yesterday minus `restatement_lag_days`, because
platforms report and restate recent days late. The value is the number of missing days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from monitor.checks.base import CheckContext, CheckKind, Observation, Options
from monitor.checks.units import COUNT
from monitor.results import Status
from monitor.systems import AdTables


@dataclass(frozen=True)
class CompletenessOptions:
    platforms: dict[str, AdTables]
    lookback_days: int
    restatement_lag_days: int


def parse(options: Options) -> CompletenessOptions:
    """`platforms`: ad platforms among the known systems (those with `ad_tables`)."""
    ads = {name: s.ad_tables for name, s in options.known.items() if s.ad_tables is not None}
    return CompletenessOptions(
        platforms={p: ads[p] for p in options.systems("platforms", ads, among=ads)},
        lookback_days=options.integer("lookback_days", 30, minimum=1),
        restatement_lag_days=options.integer("restatement_lag_days", 1),
    )


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _describe(days: list[date]) -> str:
    shown = ", ".join(d.isoformat() for d in days[:5])
    return shown + (f" and {len(days) - 5} more" if len(days) > 5 else "")


def _platform(ctx: CheckContext, platform: str, opts: CompletenessOptions) -> list[Observation]:
    tables = opts.platforms[platform]
    schema = f"raw_{platform}"
    if not ctx.columns(schema, tables.daily) or not ctx.columns(schema, tables.campaigns):
        return [
            Observation(
                platform,
                platform,
                None,
                f"{schema}.{tables.daily} or {schema}.{tables.campaigns} is missing: "
                f"{platform} was never loaded",
                status=Status.FAIL,
            )
        ]
    today = ctx.now.date()
    last = today - timedelta(days=1 + opts.restatement_lag_days)
    start = today - timedelta(days=opts.lookback_days)
    accounts = ctx.con.execute(
        f"select a.account, (select min(date) from {schema}.{tables.daily} d "
        f"  where d.{tables.account} = a.account) "
        f"from (select distinct {tables.account} as account from {schema}.{tables.campaigns} "
        f"  where {tables.status} in (select unnest(?))) a order by 1",
        [list(tables.enabled)],
    ).fetchall()
    observations = []
    for account, first_day in accounts:
        spine = _days(max(start, first_day or start), last)
        present = {
            row[0]
            for row in ctx.con.execute(
                f"select distinct date from {schema}.{tables.daily} "
                f"where {tables.account} = ? and date between ? and ?",
                [account, spine[0] if spine else start, last],
            ).fetchall()
        }
        missing = [d for d in spine if d not in present]
        span = f"{spine[0]} … {spine[-1]}" if spine else "(no day due yet)"
        message = (
            f"missing {len(missing)} of {len(spine)} days ({_describe(missing)}) in {span}"
            if missing
            else f"every day present, {span}"
        )
        observations.append(
            Observation(
                f"{platform}.{account}",
                platform,
                float(len(missing)),
                message,
                {"missing_days": [d.isoformat() for d in missing], "spine_days": len(spine)},
            )
        )
    return observations


def evaluate(ctx: CheckContext, opts: CompletenessOptions) -> list[Observation]:
    return [
        obs
        for platform in opts.platforms
        if ctx.enabled(platform)
        for obs in _platform(ctx, platform, opts)
    ]


KIND = CheckKind(
    name="completeness",
    summary="days missing from each enabled ad account's date spine",
    direction="above",
    unit=COUNT,
    warn=None,
    critical=0,
    parse=parse,
    evaluate=evaluate,
)
