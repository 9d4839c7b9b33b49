"""The `casework` command (docs/API.md, section 1)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from casework.config import Settings
from casework.crypto.keys import KeyUnavailable
from casework.services.inputs import MAX_ID
from casework.workflow.definitions import DefinitionError


def _runtime():
    from casework.runtime import NoDatabase, build_runtime

    try:
        return build_runtime(Settings.from_env())
    except (KeyUnavailable, DefinitionError, NoDatabase) as exc:
        raise click.ClickException(str(exc)) from exc


class Commands(click.Group):
    """The command group: a database that cannot be reached is an operator's problem to fix,
    said in one line with the (password-masked) URL, never a traceback."""

    def invoke(self, ctx: click.Context):
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import InterfaceError, OperationalError

        try:
            return super().invoke(ctx)
        except (OperationalError, InterfaceError) as exc:
            url = make_url(Settings.from_env().database_url).render_as_string(
                hide_password=True)
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
            raise click.ClickException(
                f"cannot use the database at {url}: {reason} (check CASEWORK_DATABASE_URL, "
                f"and that the server runs)") from exc


@contextmanager
def _refusals() -> Iterator[None]:
    """A service's refusal as a one-line command error, naming each field and why."""
    from casework.services.errors import DomainError

    try:
        yield
    except DomainError as exc:
        details = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
        raise click.ClickException(f"{exc.message} {details}".strip()) from exc


@click.group(cls=Commands)
def main() -> None:
    """Casework: case management for whistleblowing and harassment complaints.

    Every command, its output and exit codes: docs/API.md."""


@main.group()
def db() -> None:
    """The database."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Create or migrate the database to the newest revision."""
    from casework.db import make_engine
    from casework.migrate import upgrade
    from casework.workflow.definitions import load_routes
    from casework.workflow.policy import load_pack

    settings = Settings.from_env()
    try:  # the backfills count days in the organisation's time zone
        timezone = load_pack(settings.policy, load_routes()).timezone
    except DefinitionError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        upgrade(make_engine(settings.database_url), revision, timezone=timezone,
                keyring=_outer_keyring(settings))
    except RuntimeError as exc:  # a migration that needs the key, without it
        raise click.ClickException(str(exc)) from exc
    click.echo(f"database at revision {revision}")


def _outer_keyring(settings: Settings):
    """The outer key for a migration that moves case keys (0017), or None if there is none
    yet (a new database needs none; one that does is refused by the migration, by name)."""
    from casework.runtime import key_source_for

    try:
        return key_source_for(settings, create=False).load()
    except KeyUnavailable:
        return None


@db.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Migrate the database down to a revision (for operators undoing an upgrade)."""
    from casework.db import make_engine
    from casework.migrate import downgrade

    settings = Settings.from_env()
    try:
        downgrade(make_engine(settings.database_url), revision,
                  keyring=_outer_keyring(settings))
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"database at revision {revision}")


@main.group()
def workflow() -> None:
    """Workflow definitions."""


@workflow.command("show")
@click.argument("route")
@click.option("--format", "fmt", type=click.Choice(["json", "mermaid", "dot"]), default="json")
def workflow_show(route: str, fmt: str) -> None:
    """Print a workflow definition or diagram."""
    from casework.workflow import render
    from casework.workflow.definitions import load_routes

    try:
        routes = load_routes()
    except DefinitionError as exc:
        raise click.ClickException(str(exc)) from exc
    if route not in routes:
        raise click.ClickException(f"no route {route!r}; known: {', '.join(sorted(routes))}")
    renderer = {"json": render.to_json, "mermaid": render.to_mermaid, "dot": render.to_dot}[fmt]
    click.echo(renderer(routes[route]))


@main.group()
def users() -> None:
    """Staff accounts."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--name", default=None)
@click.option("--role", "roles", multiple=True, required=True)
@click.option("--queue", "queues", multiple=True)
@click.option("--person-id", type=click.IntRange(1, MAX_ID), default=None)
def users_create(email, password, name, roles, queues, person_id) -> None:
    """Create a staff account with every role and queue given at once (the operator's
    bootstrap); prints its id and, once, its TOTP secret. Administrators invite everyone
    else from the pages or the API."""
    from casework.services.accounts import NewUser, create_user
    from casework.services.context import Context

    runtime = _runtime()
    with _refusals(), runtime.transaction() as session:
        created = create_user(Context(session, runtime), "cli", NewUser(
            email=email, name=name or email, password=password, roles=tuple(roles),
            queues=tuple(queues), person_id=person_id))
    click.echo(f"id: {created.user.id}")
    click.echo(f"totp_secret: {created.totp_secret}")


@users.command("invite")
@click.option("--email", required=True)
def users_invite(email) -> None:
    """A new invitation for an account that cannot sign in; prints it once. An enrolled
    account's second factor is reset: the person sets up a new authenticator app at
    /staff/enrol with the invitation and their current password."""
    from casework.services.accounts import operator_reinvite
    from casework.services.context import Context

    runtime = _runtime()
    with _refusals(), runtime.transaction() as session:
        issued = operator_reinvite(Context(session, runtime), email)
    click.echo(f"invitation: {issued.code}")
    click.echo(f"purpose: {issued.purpose}")
    click.echo(f"expires_at: {issued.expires_at.isoformat()}")


@main.command()
@click.option("--show", is_flag=True, help="Print the demo reports' receipts again; load nothing.")
def demo(show: bool) -> None:
    """Load a demo organisation, staff and cases (once); print the demo logins, the demo cases
    each one sees and, the first time (or with --show), the demo reports' receipts."""
    from casework.demo import demo_receipts, load_demo, receipts_path

    runtime = _runtime()
    if show:
        receipts = demo_receipts(runtime)
        if receipts is None:
            raise click.ClickException(f"no demo receipts kept at {receipts_path(runtime)}: "
                                       "run `casework demo` first")
        _print_receipts(receipts)
        return
    with runtime.transaction() as session:
        logins, receipts = load_demo(session, runtime)
    click.echo("Demo logins (password, then the TOTP secret for an authenticator app; every "
               "account signs in with a code), and the demo cases each one sees:")
    for login in logins:
        click.echo(f"  {login}")
    if receipts:
        _print_receipts(receipts)
    else:
        click.echo("The receipts of the demo reports again: `casework demo --show`.")


def _print_receipts(receipts: list[str]) -> None:
    click.echo("Demo reports (reference and receipt, to sign in as the reporter at /; demo "
               "data only):")
    for line in receipts:
        click.echo(f"  {line}")


@main.group()
def audit() -> None:
    """The audit trail."""


@audit.command("verify")
@click.option("--checkpoint", "checkpoints", multiple=True, type=click.Path(dir_okay=False),
              help="A file from `audit checkpoint`: fail if anything up to it was removed.")
def audit_verify(checkpoints: tuple[str, ...]) -> None:
    """Check the hash chain and its sealed head; exit 1 naming the first bad event if it is
    broken, or a checkpoint whose event is no longer in the trail."""
    from casework.services import audit as trail

    documents = [(name, _read_checkpoint(name)) for name in checkpoints]
    runtime = _runtime()
    key = trail.chain_key(runtime.keyring)
    with runtime.transaction() as session:
        result = trail.verify(session, key)
        problems = [f"checkpoint {name} {problem}" for name, doc in documents
                    if (problem := trail.verify_checkpoint(session, key, doc))]
    if not result.ok:
        click.echo(f"audit trail BROKEN at event {result.first_bad}: {result.problem} "
                   f"({result.events} events before it are intact)")
        sys.exit(1)
    if problems:
        for problem in problems:
            click.echo(f"audit trail BROKEN: {problem}")
        sys.exit(1)
    checked = f"; {len(documents)} checkpoint(s) still in it" if documents else ""
    click.echo(f"audit trail intact: {result.events} events{checked}")


def _read_checkpoint(name: str) -> object:
    import json

    try:
        return json.loads(Path(name).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"cannot read checkpoint {name}: {exc}") from exc


@audit.command("checkpoint")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="Where to write it ('-' for standard output, e.g. to mail it).")
def audit_checkpoint(out: str) -> None:
    """Write the chain's head, signed under the outer key, to keep outside this machine; a
    later `audit verify --checkpoint FILE` fails if anything up to it was removed."""
    import json

    from casework.services import audit as trail

    runtime = _runtime()
    with runtime.transaction() as session:
        result, document = trail.checkpoint(session, trail.chain_key(runtime.keyring),
                                            runtime.clock())
    if document is None:
        click.echo(f"audit trail BROKEN at event {result.first_bad}: {result.problem}; no "
                   "checkpoint written", err=True)
        sys.exit(1)
    text = json.dumps(document, indent=2, sort_keys=True) + "\n"
    if out == "-":
        click.echo(text, nl=False)
        return
    target = Path(out)
    partial = target.with_name(target.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(target)
    click.echo(f"checkpoint of event {document['seq']} written to {target}", err=True)


@audit.command("seal")
def audit_seal() -> None:
    """Seal the chain head once (a trail from before head seals, or after an investigation):
    only a chain that verifies is sealed. Check it against your latest checkpoint first."""
    from casework.services import audit as trail

    runtime = _runtime()
    with runtime.transaction() as session:
        result = trail.seal(session, trail.chain_key(runtime.keyring))
    if not result.ok:
        click.echo(f"audit trail BROKEN at event {result.first_bad}: {result.problem}; "
                   "not sealed")
        sys.exit(1)
    click.echo(f"audit chain head sealed: {result.events} events")


@main.group(invoke_without_command=True)
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="A new (or empty) folder for this backup.")
@click.pass_context
def backup(ctx: click.Context, out: Path | None) -> None:
    """Back up the database into a new folder (never the key): SQLite through its online
    backup API, PostgreSQL through pg_dump. Check it with `casework backup verify DIR`."""
    if ctx.invoked_subcommand is not None:
        return
    if out is None:
        raise click.UsageError("give --out DIR (or `casework backup verify DIR`)")
    from casework.services.backup import BackupError, make_backup

    settings = Settings.from_env()
    try:
        made = make_backup(settings.database_url, out,
                           key_file=None if settings.key_env else settings.key_file)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    facts = made.manifest
    click.echo(f"backup written to {made.folder}: {facts['file']} ({facts['bytes']} bytes, "
               f"sha256 {facts['sha256']}), schema {facts['schema_revision']}, "
               f"{facts['audit_events']} audit events; the key is not in it: keep it apart")


@backup.command("verify")
@click.argument("dir", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--key-file", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              default=None, help="The outer key to check with (default: CASEWORK_KEY or "
                                 "CASEWORK_KEY_FILE, as the app reads it).")
@click.option("--scratch-server", default=None, help="PostgreSQL URL on whose server a "
              "scratch database is made for a PostgreSQL backup (default: "
              "CASEWORK_DATABASE_URL).")
def backup_verify(dir: Path, key_file: Path | None, scratch_server: str | None) -> None:
    """Restore a backup into a scratch database and check it: the schema revision, the audit
    chain, and that a sample of cases opens with the key. Exit 1 naming each problem."""
    from casework.crypto.keys import FileKeySource
    from casework.migrate import known_revisions
    from casework.runtime import key_source_for
    from casework.services.backup import BackupError, verify_backup

    settings = Settings.from_env()
    source = (FileKeySource(key_file, create=False) if key_file
              else key_source_for(settings, create=False))
    try:
        keyring = source.load()
        known, newest = known_revisions()
        result = verify_backup(dir, keyring, known_revisions=known, newest_revision=newest,
                               scratch_server=scratch_server or settings.database_url)
    except (BackupError, KeyUnavailable) as exc:
        raise click.ClickException(str(exc)) from exc
    age = ("this version's newest" if result.newest
           else "older: `casework db upgrade` after a restore")
    click.echo(f"schema: revision {result.revision} ({age})")
    click.echo(f"audit trail: {result.events} events walked")
    click.echo(f"content: {result.sampled} sampled cases checked with the key from "
               f"{source.describe()}")
    if not result.ok:
        for problem in result.problems:
            click.echo(f"PROBLEM: {problem}")
        click.echo("backup NOT verified")
        sys.exit(1)
    click.echo("backup verified: it restores, its audit trail is intact and its content opens")


@main.group(short_help="Keys: rotate (routine), rekey (after a compromise).")
def keys() -> None:
    """The outer key and the key-encryption key: `rotate` for routine rotation, `rekey` after a
    suspected compromise of the database and the key file (docs/OPERATIONS.md, "Keys")."""


@keys.command("rotate")
def keys_rotate() -> None:
    """Routine: a new outer key; the key-encryption key rewrapped under it (one row, at any
    size); the old outer key retired. Safe to re-run."""
    from casework.crypto.keys import KeySourceReadOnly
    from casework.services.keys import rotate

    runtime = _runtime()
    try:
        result = rotate(runtime)
    except KeySourceReadOnly as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"active key {result.active}; {result.rewrapped} key-encryption keys rewrapped; "
               f"retired: {', '.join(result.retired) or 'none (run again to finish)'}")


@keys.command("rekey")
@click.option("--batch", default=1000, show_default=True, type=click.IntRange(1, 100_000),
              help="Case keys rewrapped per transaction.")
def keys_rekey(batch: int) -> None:
    """After a suspected compromise of the database and the key file: a new outer key, a new
    key-encryption key, every case key rewrapped under it in batches. Interrupted, run it
    again: it continues where it stopped."""
    from casework.crypto.keys import KeySourceReadOnly
    from casework.services.keys import rekey

    runtime = _runtime()
    try:
        result = rekey(runtime, batch=batch)
    except KeySourceReadOnly as exc:
        raise click.ClickException(str(exc)) from exc
    outer = (f"new outer key {result.outer.active}; " if result.outer
             else "continued the re-key under way; ")
    if not result.finished:
        raise click.ClickException(
            f"{outer}key-encryption key {result.kek}; {result.rewrapped} case keys rewrapped, "
            "some are still under the old one: run `casework keys rekey` again")
    click.echo(f"{outer}key-encryption key {result.kek}; {result.rewrapped} case keys "
               f"rewrapped; retired: {', '.join(result.retired) or 'none'}")


@main.group()
def stats() -> None:
    """Anonymised statistics."""


@stats.command("export")
@click.option("--by", "by", default="", help="Dimensions, comma-separated (e.g. route,category).")
@click.option("--period", required=True, help="2026, 2026-H1, 2026-Q3 or FY2026; no date ranges.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv")
@click.option("--profile", default=None, help="Disclosure profile (default: the pack's).")
def stats_export(by: str, period: str, fmt: str, profile: str | None) -> None:
    """The protected statistics table for one fixed period (stored and audited)."""
    import json

    from casework.services.context import Context
    from casework.services.stats import (
        OPERATOR,
        StatsRequest,
        allow_long_audits,
        as_csv,
        release,
    )

    runtime = _runtime()
    with _refusals(), runtime.transaction() as session:
        ctx = Context(session, runtime)
        allow_long_audits(ctx)
        body = release(ctx, OPERATOR, StatsRequest(tuple(by.split(",")), period, profile))
    if fmt == "json":
        click.echo(json.dumps(body, indent=2))
    else:
        _csv_out(as_csv(body))


@stats.command("annual")
@click.option("--period", required=True, help="A finished year: 2026, or FY2026.")
@click.option("--profile", default=None, help="Disclosure profile (default: the pack's).")
def stats_annual(period: str, profile: str | None) -> None:
    """The annual reports the policy pack names, as CSV. Every section is published (stored and
    audited) once; run it when a year ends (from cron) and the analysts' page answers at once."""
    from casework.services.annual import annual_report, report_csv
    from casework.services.context import Context
    from casework.services.stats import OPERATOR, allow_long_audits

    runtime = _runtime()
    with _refusals(), runtime.transaction() as session:
        ctx = Context(session, runtime)
        allow_long_audits(ctx)
        reports = annual_report(ctx, OPERATOR, period, profile)
    _csv_out(report_csv(reports))


def _csv_out(text: str) -> None:
    """CSV on stdout and nothing else: the footnote after its blank line goes to stderr."""
    table, blank, note = text.rpartition("\n\n")
    if not blank:
        table, note = text, ""
    click.echo(table + "\n" if table else "", nl=False)
    if note.strip():
        click.echo(note.strip(), err=True)


@main.group()
def retention() -> None:
    """Retention of closed cases."""


@retention.command("purge")
@click.option("--dry-run", is_flag=True, help="Count what would be purged; change nothing.")
def retention_purge(dry_run: bool) -> None:
    """Destroy cases past their retention period (never one under a legal hold); counts stay
    for statistics. Says how many were held back."""
    from casework.services.context import Context
    from casework.services.retention import held_back, purge

    runtime = _runtime()
    with runtime.transaction() as session:
        ctx = Context(session, runtime)
        ids, kept = purge(ctx, dry_run=dry_run), held_back(ctx)
    if ids and not dry_run and runtime.engine.dialect.name == "sqlite":
        raw = runtime.engine.raw_connection()  # outside a transaction: old pages must not
        try:                                    # linger in the WAL file
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
    verb = "would purge" if dry_run else "purged"
    click.echo(f"{verb} {len(ids)} cases")
    if kept.legal_hold:
        click.echo(f"held back: {kept.legal_hold} under a legal hold")
    if kept.merged:
        click.echo(f"held back: {kept.merged} merged into a case that is still kept")


def _mail_settings():
    from casework.services.mail import MailConfigError, MailSettings

    try:
        return MailSettings.from_env()
    except MailConfigError as exc:
        raise click.ClickException(str(exc)) from exc


def _deliver(runtime, settings) -> str:
    """Send the outbox; the counts as one phrase (never an address or a reference)."""
    from casework.services.mail import deliver_pending

    if not settings.enabled:
        waiting = deliver_pending(runtime, settings).waiting
        return (f"emails: SMTP is not configured (CASEWORK_SMTP_HOST), so {waiting} wait in "
                f"the outbox")
    run = deliver_pending(runtime, settings)
    untried = f", {run.waiting} left for the next run (server unreachable)" if run.waiting else ""
    return (f"emails: {run.sent} sent, {run.retrying} retrying, {run.failed} failed, "
            f"{run.dropped} dropped{untried}")


@main.group()
def reminders() -> None:
    """Reminders of due and overdue cases."""


@reminders.command("send")
def reminders_send() -> None:
    """Send due and overdue reminders (for cron)."""
    from casework.services.context import Context
    from casework.services.reminders import send_reminders

    settings = _mail_settings()
    runtime = _runtime()
    from casework.services.aftercare import notify_due_checkins

    with runtime.transaction() as session:
        ctx = Context(session, runtime)
        run = send_reminders(ctx)
        checkins = notify_due_checkins(ctx)
    click.echo(f"reminders: {run.new} new, {run.existing} already sent; "
               f"check-ins: {checkins} reporters told; {_deliver(runtime, settings)}")


@main.group()
def inbox() -> None:
    """The staff inbox's email digest."""


@inbox.command("digest")
def inbox_digest() -> None:
    """Queue each day's digest of new inbox items, then send the outbox (for cron, daily)."""
    from casework.services.context import Context
    from casework.services.inbox import send_digests

    settings = _mail_settings()
    runtime = _runtime()
    with runtime.transaction() as session:
        run = send_digests(Context(session, runtime))
    click.echo(f"digests: {run.people} people told of {run.items} new items; "
               f"{_deliver(runtime, settings)}")


@main.group()
def mail() -> None:
    """The email outbox."""


@mail.command("send")
def mail_send() -> None:
    """Send what waits in the outbox (reminders, updates to reporters)."""
    settings = _mail_settings()
    click.echo(_deliver(_runtime(), settings))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def run(host: str, port: int) -> None:
    """Serve with the development server (production: gunicorn wsgi:app)."""
    from casework import create_app
    from casework.runtime import NoDatabase

    try:
        app = create_app()
    except (KeyUnavailable, DefinitionError, NoDatabase) as exc:
        raise click.ClickException(str(exc)) from exc
    app.run(host=host, port=port)


@main.group()
def search() -> None:
    """The keyed word index of case text (case-list search)."""


@search.command("rebuild")
def search_rebuild() -> None:
    """Index every case's sealed text again (after upgrading, after the keyring's index key
    changed, or to repair the index); commits every 500 cases. Never prints a word."""
    from casework.services.context import Context
    from casework.services.search import rebuild_batch

    runtime, done, last = _runtime(), 0, 0
    while last is not None:
        with runtime.transaction() as session:
            count, last = rebuild_batch(Context(session, runtime), last)
        done += count
    click.echo(f"search index rebuilt: {done} cases")


from casework.cli_cases import cases  # noqa: E402  (its commands load this module lazily)
from casework.cli_languages import languages  # noqa: E402

main.add_command(cases)
main.add_command(languages)

if __name__ == "__main__":
    sys.exit(main())
