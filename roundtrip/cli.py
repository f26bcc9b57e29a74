"""The `roundtrip` command line: every stage of the round trip, one command each."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import click

from roundtrip.errors import UserError
from roundtrip.settings import SYSTEMS, Settings, load_settings
from sandbox.state import DEFAULT_SCALE, DEFAULT_SEED, SCALES


def _settings(ctx: click.Context) -> Settings:
    return ctx.ensure_object(dict).setdefault("settings", load_settings())


def _wide_console() -> Any:
    """A rich console at least 160 columns wide, so tables stay readable in logs and pipes."""
    from rich.console import Console

    return Console(width=max(Console().width, 160))


class _RoundtripGroup(click.Group):
    """The one error surface: every failure ends as one line on stderr (roundtrip/errors.py);
    exit code 1 when the run failed, 2 when something must be fixed first."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:
            from connectors.http.redaction import REDACTOR
            from roundtrip.errors import EXIT_FAILED, report, unexpected
            from warehouse.location import WarehousePaths

            if ctx.params.get("debug"):
                raise
            known = report(exc)
            message, code = known or (
                unexpected(exc, WarehousePaths.from_env().state_dir / "logs"),
                EXIT_FAILED,
            )
            click.echo(f"Error: {REDACTOR.scrub(message)}", err=True)
            ctx.exit(code)


@click.group(cls=_RoundtripGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="roundtrip")
@click.option("--debug", is_flag=True, help="Show the full traceback of an unexpected error.")
def cli(debug: bool) -> None:
    """Roundtrip: a local-first marketing data platform.

    \b
    The round trip, one command per stage:
      roundtrip load        extract every enabled system into the DuckDB warehouse (dlt)
      roundtrip transform   build the customer and campaign views and lead scores (dbt)
      roundtrip sync        push lead_score and friends back to the CRM and MAP
      roundtrip health      run the health checks and alert by severity
      roundtrip serve       receive webhooks and form posts and apply them in real time
      roundtrip report      write docs/report.html, the marketing performance report

    Without credentials every system talks to the built-in sandbox: local stand-ins of
    the vendor APIs serving a deterministic synthetic company (see `roundtrip sandbox`).

    \b
    Settings (environment variable, else roundtrip.toml, else the default):
      ROUNDTRIP_<SYSTEM>_ENABLED   true|false               default true
      ROUNDTRIP_<SYSTEM>_MODE      auto|sandbox|real        default auto: real when the
                                   system's credentials are configured, else the sandbox
      ROUNDTRIP_WAREHOUSE_DIR      warehouse folder          default ./warehouse
      ROUNDTRIP_SANDBOX_DIR        sandbox state folder      default ./.sandbox
      ROUNDTRIP_CONFIG             settings file             default ./roundtrip.toml
    Systems: hubspot, salesforce, google_ads, meta_ads, linkedin_ads, ga4.
    Credentials: dlt's .dlt/secrets.toml or SOURCES__<SYSTEM>__CREDENTIALS__<KEY>.
    """


@cli.command("settings")
@click.pass_context
def settings_command(ctx: click.Context) -> None:
    """Show the resolved settings: each system's enabled flag and mode, and the paths."""
    from rich.table import Table

    settings = _settings(ctx)
    table = Table(title="Systems")
    for column in ("system", "enabled", "mode", "requested", "credentials"):
        table.add_column(column)
    for s in settings.systems.values():
        keys = ", ".join(sorted(s.credentials)) or "-"
        table.add_row(s.name, str(s.enabled).lower(), s.mode, s.requested_mode, keys)
    console = _wide_console()
    console.print(table)
    console.print(f"warehouse: {settings.warehouse_dir}")
    console.print(f"sandbox:   {settings.sandbox_dir}")


# ----------------------------------------------------------------------------------- sandbox


@cli.group()
def sandbox() -> None:
    """The sandbox: a synthetic B2B company behind local stand-ins of the vendor APIs.

    \b
    roundtrip sandbox reset --seed 42 --scale S   generate the world (S, M or L)
    roundtrip sandbox advance --days 7             move the world's clock forward
    roundtrip sandbox up | down | status           run the stand-in servers
    roundtrip sandbox faults hubspot error_rate=0.3 inject faults per vendor

    State lives in ROUNDTRIP_SANDBOX_DIR (default ./.sandbox); see sandbox/README.md.
    """


@sandbox.command("reset")
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True, help="Random seed.")
@click.option(
    "--scale",
    type=click.Choice(sorted(SCALES), case_sensitive=False),
    default=DEFAULT_SCALE,
    show_default=True,
    help="S ≈ 10k people / 180 days, M ≈ 100k people, L ≈ 1M people.",
)
def sandbox_reset(seed: int, scale: str) -> None:
    """Generate a fresh world (replaces any existing one; stops and restarts the servers)."""
    from sandbox.control import reset

    reset(seed=seed, scale=scale.upper(), echo=click.echo)


@sandbox.command("advance")
@click.option("--days", type=click.IntRange(min=1), default=1, show_default=True)
def sandbox_advance(days: int) -> None:
    """Move the world forward: new people and activity, updates, deletes, restated ad days."""
    from sandbox.control import advance

    advance(days=days, echo=click.echo)


@sandbox.command("up")
def sandbox_up() -> None:
    """Start the stand-in servers in the background (generating the default world if none)."""
    from sandbox.control import up

    up(echo=click.echo)


@sandbox.command("down")
def sandbox_down() -> None:
    """Stop the stand-in servers."""
    from sandbox.control import down

    down(echo=click.echo)


@sandbox.command("status")
def sandbox_status() -> None:
    """Show the world (seed, scale, clock) and the servers' addresses."""
    from sandbox.control import status

    status(echo=click.echo)


@sandbox.command("simulate")
@click.option("--events-per-second", type=click.FloatRange(min=0.1), default=5.0, show_default=True)
@click.option("--seconds", type=click.FloatRange(min=0.1), default=60.0, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option(
    "--hubspot-share",
    type=click.FloatRange(0, 1),
    default=0.2,
    show_default=True,
    help="Share of activities that happen in HubSpot (e-mail clicks, HubSpot forms).",
)
@click.option("--target", help="The receiver's base URL (default: the running `roundtrip serve`).")
@click.pass_context
def sandbox_simulate(
    ctx: click.Context,
    events_per_second: float,
    seconds: float,
    seed: int,
    hubspot_share: float,
    target: str | None,
) -> None:
    """People act in real time: website form posts to `roundtrip serve`, HubSpot e-mail clicks
    and form submissions delivered as signed webhooks. Truth goes to simulated.jsonl."""
    from roundtrip.stages.serve import running_url
    from sandbox.simulate import simulate
    from sandbox.state import SandboxPaths

    settings = _settings(ctx)
    url = target or running_url(settings)
    try:
        report = simulate(SandboxPaths(settings.sandbox_dir), url, events_per_second, seconds,
                          seed, hubspot_share)  # fmt: skip
    except RuntimeError as exc:
        raise UserError(str(exc)) from None
    click.echo(report.summary())


@sandbox.command("faults")
@click.argument("vendor", type=click.Choice(SYSTEMS))
@click.argument("assignments", nargs=-1)
@click.option("--clear", is_flag=True, help="Remove every fault of this vendor.")
def sandbox_faults(vendor: str, assignments: tuple[str, ...], clear: bool) -> None:
    """Show or set a vendor's fault injection, e.g. `faults hubspot error_rate=0.3`.

    \b
    latency_ms=N            added latency per request
    error_rate=F            share of requests answered with a 5xx (0..1)
    burst_429=N             the next N requests get the vendor's 429 (or its rate-limit error)
    retry_after=S           Retry-After seconds sent with injected 429s
    rate_limit=N/S          enforce N requests per S seconds with the vendor's headers
    token_ttl=S             access tokens issued from now on expire after S seconds
    malformed_page=N        the Nth list page served is malformed JSON (once)
    new_field=NAME          every record gains a new field NAME (schema drift)
    retype_field=NAME       field NAME changes type (schema drift)
    """
    from sandbox.faults import update_faults

    click.echo(update_faults(vendor, assignments, clear=clear))


# ------------------------------------------------------------------------------ the stages


@cli.command("load")
@click.argument("names", nargs=-1, metavar="[SYSTEM | SYSTEM.TABLE]...")
@click.option(
    "--exclude",
    multiple=True,
    metavar="SYSTEM[.TABLE]",
    help="Leave this system or table out (repeatable).",
)
@click.option("--full-refresh", is_flag=True, help="Drop incremental state and reload.")
@click.pass_context
def load(
    ctx: click.Context, names: tuple[str, ...], exclude: tuple[str, ...], full_refresh: bool
) -> None:
    """Extract and load the named systems or tables (default: every enabled system) into the
    warehouse.

    \b
      roundtrip load                                   every enabled system
      roundtrip load hubspot salesforce                two whole systems
      roundtrip load hubspot.contacts hubspot.deals    two tables (and what reads with them)
      roundtrip load --exclude ga4 --exclude hubspot.email_events

    A name is a system or SYSTEM.TABLE, a table of its `raw_<system>` schema (an unknown name
    lists every accepted one). HubSpot's association tables are read for the contacts and
    deals a load brings, so they load together with them. Tables left out keep their rows and
    cursors; the next load that includes them catches up from there.

    Each system lands in its own `raw_<system>` schema of the working warehouse, incrementally
    (the vendor's modified-timestamp cursor; ad metrics re-read their last 7 days). Systems in
    sandbox mode use the sandbox stand-ins (starting them if needed) for the duration of the
    load. The read-only copy (warehouse/roundtrip.duckdb) is verified and published with every
    system that succeeded, partial loads included; a failed one keeps its last good tables and
    its `load_status` alert opens at once. With --full-refresh only the selected tables are
    dropped and reloaded. Exit code 1 when a system failed or the publish was refused, 2 for
    an unknown name.
    """
    from roundtrip.stages.load import load as run_load

    result = run_load(_settings(ctx), list(names), exclude=list(exclude), full_refresh=full_refresh)
    if not result.ok:
        ctx.exit(1)


@cli.command("transform")
@click.option("--verbose", is_flag=True, help="Stream dbt's own log lines as it builds.")
@click.option(
    "--full",
    is_flag=True,
    help="Rebuild every model from scratch (incremental ones too) and run every test.",
)
@click.pass_context
def transform(ctx: click.Context, verbose: bool, full: bool) -> None:
    """Run `dbt build` on the working warehouse and publish the read-only copy.

    Builds dbt_project/ (staging → intermediate → marts, with their tests) against
    warehouse/work/roundtrip.duckdb under the writer lock; publishes warehouse/roundtrip.duckdb
    only when the build succeeded. Only the models downstream of the raw tables and dbt files
    that changed since the last successful build are built and tested (nothing when nothing
    changed; --full builds all); the first line says what and why. Then one summary line
    (models, tests, warnings, failures, seconds); dbt's full log is in
    warehouse/work/dbt_logs/dbt.log (--verbose streams it). Exit code 1 when a model or test
    failed.
    """
    from roundtrip.stages.transform import run_transform

    result = run_transform(_settings(ctx), echo=click.echo, verbose=verbose, full=full)
    click.echo(f"transform: {result.plan}")
    if result.log_file is None:
        click.echo("transform: published the read-only warehouse")
        return
    click.echo(f"transform: {result.summary}; full dbt log: {result.log_file}")
    if not result.ok:
        click.echo("dbt build failed; the published warehouse was left as it was:", err=True)
        for failure in result.failures:
            click.echo(f"  {failure}", err=True)
        ctx.exit(1)
    click.echo("transform: dbt build succeeded; published the read-only warehouse")


@cli.command("audit")
@click.argument("systems", nargs=-1, type=click.Choice(SYSTEMS))
@click.pass_context
def audit(ctx: click.Context, systems: tuple[str, ...]) -> None:
    """Find and refetch updates the incremental loads missed (Salesforce, HubSpot).

    Lists only ids and modification stamps at the vendor (Salesforce SystemModstamp, HubSpot's
    last-modified date), compares them with the published warehouse and refetches by id every
    record the warehouse lacks or holds older, through the normal load (merge, publish). Counts
    go to monitor.audit_runs and the `audit` health check. Runs weekly on `[schedule] audit`.
    Exit code 1 when the refetch failed.
    """
    from roundtrip.stages.audit import audit as run_audit
    from roundtrip.stages.audit import summary_lines

    result = run_audit(_settings(ctx), list(systems))
    for line in summary_lines(result):
        click.echo(line)
    if not result.ok:
        ctx.exit(1)


@cli.command("restore")
@click.option("--previous", is_flag=True, help="Put back the copy published before the last one.")
@click.pass_context
def restore(ctx: click.Context, previous: bool) -> None:
    """Copy the published warehouse back into a damaged or lost working file.

    With --previous, warehouse/roundtrip.duckdb.prev (the copy the last publish replaced) becomes
    the published copy and the working file again; the copy it replaces becomes the new .prev, so
    running it twice undoes it. The next `roundtrip load` reloads what the restored copy lacks.
    """
    from warehouse.location import WarehousePaths
    from warehouse.lock import writer_lock
    from warehouse.publish import restore as restore_copy

    paths = WarehousePaths(_settings(ctx).warehouse_dir)
    with writer_lock(paths.lock_file, "roundtrip restore", on_wait=click.echo):
        source = restore_copy(paths, previous=previous)
    click.echo(
        f"restored the working file from {source}" + (" and published it" if previous else "")
    )


@cli.command("sync")
@click.argument("names", nargs=-1)
@click.option("--dry-run", is_flag=True, help="Print the planned changes; write nothing.")
@click.option("--full", is_flag=True, help="Ignore the sync state and re-send every row.")
@click.pass_context
def sync(ctx: click.Context, names: tuple[str, ...], dry_run: bool, full: bool) -> None:
    """Push computed fields back to the CRM and MAP: the syncs NAMES (default: all).

    Each sync (reverse/syncs.yml, or the file $ROUNDTRIP_SYNCS) diffs its model in the
    published warehouse against what the destination last accepted and sends only new and
    changed rows, in the vendor's batch calls. Rejected rows are kept in reverse.sync_rejects
    and retried on later runs; every run is logged in reverse.sync_runs
    (warehouse/state/reverse.sqlite, mirrored into the warehouse on publish). Every spec is
    checked (model, columns, destination fields) before anything is sent. Exit code 1 when a
    sync failed.

    Then the two-way syncs (the `two_way:` list of the same file) keep HubSpot contacts and
    Salesforce leads/contacts equal field by field; --dry-run shows each field's
    before → after and the rule that decided.
    """
    from roundtrip.stages.sync import render_reports, run_syncs, split_two_way
    from roundtrip.stages.two_way import render_two_way, run_two_way_syncs

    settings = _settings(ctx)
    one_way, two_way = split_two_way(names)
    reports = (
        run_syncs(settings, one_way, dry_run=dry_run, full=full, echo=click.echo)
        if one_way or not names
        else []
    )
    two_way_reports = run_two_way_syncs(
        settings, two_way, dry_run=dry_run, named=bool(names), echo=click.echo
    )
    console = _wide_console()
    for renderable in render_reports(reports, dry_run=dry_run) if reports else []:
        console.print(renderable)
    for renderable in render_two_way(two_way_reports, dry_run=dry_run) if two_way_reports else []:
        console.print(renderable)
    if any(r.status == "failed" for r in [*reports, *two_way_reports]):
        ctx.exit(1)


@cli.command("schedule")
@click.pass_context
def schedule(ctx: click.Context) -> None:
    """Run every job on its cron schedule, in the foreground, until SIGTERM or Ctrl-C.

    \b
    Jobs and where their schedule is set:
      load_transform   roundtrip load, then roundtrip transform   [schedule] in roundtrip.toml
      health:<checks>  roundtrip health <checks>                  each check's `schedule` in
                                                                  monitor.yml (or one cron for
                                                                  all: [schedule] health)
      sync:<name>      roundtrip sync <name>                      `schedule` in reverse/syncs.yml

    A job never overlaps itself: an occurrence that falls while it still runs makes it run
    once more when it finishes; missed occurrences (scheduler stopped, machine asleep) count
    as one. SIGTERM stops new runs and waits for running ones. One log line per run start
    and finish. One scheduler per warehouse folder. README.md shows systemd and cron recipes.
    """
    import signal

    from roundtrip.schedule import Scheduler
    from roundtrip.stages.schedule import scheduled_jobs, scheduler_lock
    from warehouse.lock import WriterBusy, writer_lock

    settings = _settings(ctx)
    scheduler = Scheduler(scheduled_jobs(settings))
    signal.signal(signal.SIGTERM, scheduler.request_stop)
    signal.signal(signal.SIGINT, scheduler.request_stop)
    lock = scheduler_lock(settings)
    try:
        with writer_lock(lock, "roundtrip schedule", timeout=0):
            scheduler.run_forever()
    except WriterBusy:
        raise UserError(
            f"another `roundtrip schedule` is running for this warehouse ({lock})"
        ) from None


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8787, show_default=True)
@click.option(
    "--public-url",
    help="The base URL vendors call when a reverse proxy fronts this process (HubSpot signs "
    "the URL it called), e.g. https://hooks.example.com.",
)
@click.option(
    "--flows",
    "flows_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The flows file (default: realtime/flows.yml).",
)
@click.option("--no-scheduler", is_flag=True, help="Receive and apply events only.")
@click.option(
    "--salesforce-poll-seconds",
    type=click.FloatRange(min=0),
    default=60.0,
    show_default=True,
    help="How often to poll Salesforce for changed Leads and Contacts (0: never).",
)
@click.option("--check", is_flag=True, help="Validate the flows file and exit.")
@click.pass_context
def serve(
    ctx: click.Context,
    host: str,
    port: int,
    public_url: str | None,
    flows_file: Path | None,
    no_scheduler: bool,
    salesforce_poll_seconds: float,
    check: bool,
) -> None:
    """Run the real-time service until SIGTERM: receive webhooks and website form posts, keep
    them in the durable inbox, apply them to Salesforce through the flows, and run the jobs of
    `roundtrip schedule`.

    \b
    POST /webhooks/hubspot   HubSpot's webhook deliveries (v3 signature checked)
    (poll)                   Salesforce Lead/Contact changes on SystemModstamp, every minute
    POST /forms/<form id>    the website's form posts (shared-secret HMAC checked)
    GET  /healthz            liveness and inbox counts
    Secrets: ROUNDTRIP_HUBSPOT_APP_SECRET, ROUNDTRIP_FORM_SECRET (the sandbox has its own).
    """
    from realtime.flows import DEFAULT_FLOWS_FILE, FlowError, load_flows
    from roundtrip.stages.serve import ServeOptions
    from roundtrip.stages.serve import serve as run_serve

    flows = flows_file or DEFAULT_FLOWS_FILE
    if check:
        try:
            config = load_flows(flows)
        except FlowError as exc:
            raise UserError(str(exc)) from None
        click.echo(f"{flows}: {len(config.flows)} flows, {len(config.forms)} forms: valid")
        return
    options = ServeOptions(host, port, public_url, flows, not no_scheduler, salesforce_poll_seconds)
    run_serve(_settings(ctx), options)


@cli.group()
def events() -> None:
    """Inspect and re-drive the real-time event inbox (warehouse/state/events.sqlite)."""


@events.command("list")
@click.option(
    "--status", type=click.Choice(["pending", "done", "dead"]), help="Only events in this status."
)
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@click.pass_context
def events_list(ctx: click.Context, status: str | None, limit: int) -> None:
    """The newest events, with their status, attempts and last error."""
    from roundtrip.stages.events import events_table

    _wide_console().print(events_table(_settings(ctx), status, limit))


@events.command("replay")
@click.argument("seqs", nargs=-1, type=int, required=True)
@click.pass_context
def events_replay(ctx: click.Context, seqs: tuple[int, ...]) -> None:
    """Apply the events numbered SEQS again (any status); flows are idempotent."""
    from roundtrip.stages.events import requeue

    click.echo(f"{requeue(_settings(ctx), list(seqs))} event(s) queued again")


@events.command("retry")
@click.pass_context
def events_retry(ctx: click.Context) -> None:
    """Give every dead-lettered event a fresh set of attempts."""
    from roundtrip.stages.events import requeue

    click.echo(f"{requeue(_settings(ctx), None)} dead event(s) queued again")


@cli.command("docs")
@click.option("--serve", is_flag=True, help="Then serve dbt's docs site on localhost until Ctrl-C.")
@click.option("--port", default=8080, show_default=True, help="Port for --serve.")
@click.pass_context
def docs(ctx: click.Context, serve: bool, port: int) -> None:
    """Build dbt's docs site, the data dictionary and the integration map.

    \b
    docs/data_dictionary.md and .csv   every mart column (grain per mart): business and
                                       physical type, description, example, source
                                       system, column lineage, PII flag
    docs/integration_map.md            every enabled integration: source, destination,
                                       data, frequency, method
    docs/status.html                   health checks: current status, history charts,
                                       open alerts
    docs/report.html                   the marketing performance report (roundtrip report)
    warehouse/work/dbt_docs_target/index.html   dbt's documentation site
    """
    from roundtrip.docs import build_docs, serve_docs
    from warehouse.location import WarehousePaths

    settings = _settings(ctx)
    published = WarehousePaths(settings.warehouse_dir).published
    if not published.exists():  # dbt would create an empty working file that breaks transform
        raise UserError(
            f"no published warehouse at {published} to document; run `roundtrip load` and "
            "`roundtrip transform` first"
        )
    paths = build_docs(settings)
    for path in paths:
        click.echo(f"wrote {path}")
    if serve:
        serve_docs(paths[-1].parent, port, echo=click.echo)


@cli.command("report")
@click.option(
    "--from",
    "start",
    type=click.DateTime(["%Y-%m-%d"]),
    help="First day (default: 30 and 90 days back).",
)
@click.option(
    "--to",
    "end",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Last day (default: the data's as-of date).",
)
@click.pass_context
def report_command(ctx: click.Context, start: Any, end: Any) -> None:
    """Write docs/report.html: the marketing performance report, one offline page.

    Headline KPIs vs the previous period, spend/leads/pipeline/revenue by channel, CPL, cost
    per opportunity, CAC and ROAS by channel and campaign, the lifecycle funnel, attribution
    models side by side, lead-score calibration, identity overlap and data freshness. Every
    number comes from the marts of the published warehouse; the period ends at the data's
    "as of" date (its newest active day) unless --to says otherwise.
    """
    from roundtrip.stages.report import report

    path = report(_settings(ctx), start and start.date(), end and end.date())
    click.echo(f"wrote {path}")


# ------------------------------------------------------------------------------ monitoring


@cli.command("health")
@click.argument("checks", nargs=-1)
@click.pass_context
def health(ctx: click.Context, checks: tuple[str, ...]) -> None:
    """Run the health CHECKS now (default: every enabled check) and route alerts.

    Checks are configured in monitor/monitor.yml (or the file in $ROUNDTRIP_MONITOR_CONFIG):
    record counts, ad spend completeness, lead-flow latency, success rates, source freshness,
    dbt test failures, schema changes and rejects. They read the published warehouse (so they
    run while a load does); every result is kept in warehouse/state/monitor.sqlite
    (monitor.check_results once published), and failing ones go to the alert routes.

    \b
    Exit code: 0 every check passes
               1 the worst failure is Low or Medium
               2 a High or Critical check fails (also: a usage or configuration error)
    """

    from monitor.health import exit_code, health_table
    from roundtrip.stages.health import health as run_health
    from warehouse.location import WarehousePaths

    settings = _settings(ctx)
    results = run_health(settings, only=checks)
    _wide_console().print(health_table(results, WarehousePaths(settings.warehouse_dir)))
    ctx.exit(exit_code(results))


@cli.command("status")
@click.pass_context
def status(ctx: click.Context) -> None:
    """Show the integration map: every source system and reverse sync, with its last run,
    the rows it moved, how fresh its data is and its open alerts."""

    from monitor.status import status_table
    from roundtrip.stages.status import status as build_status

    _wide_console().print(status_table(build_status(_settings(ctx))))


def main() -> None:
    from connectors.http.redaction import REDACTOR, RedactingFilter

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for handler in logging.getLogger().handlers:  # handler filters see every propagated record
        handler.addFilter(RedactingFilter(REDACTOR))
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    cli(prog_name="roundtrip")


if __name__ == "__main__":
    sys.exit(main())
