"""`casework cases`: the operator's checks that no case is left unseen, and the hand-over."""

from __future__ import annotations

import os
from pathlib import Path

import click


@click.group()
def cases() -> None:
    """Cases nobody can see, and case files for an outside recipient."""


@cases.command("orphaned")
def cases_orphaned() -> None:
    """List open cases no active account can see (exit 1 if any), and those handed to an
    outside recipient whose file is not yet exported. Run it daily."""
    from casework.cli import _runtime
    from casework.services.context import Context
    from casework.services.handoff import unseen_cases

    runtime = _runtime()
    with runtime.transaction() as session:
        found = unseen_cases(Context(session, runtime))
    for row in found:
        if row.handed_over_on is None:
            state = "nobody can see it"
        else:
            sent = "file exported" if row.exported else "export its file: casework cases export"
            state = f"handed over {row.handed_over_on:%Y-%m-%d}, {sent}"
        click.echo(f"{row.reference}  queue {row.queue}  opened {row.opened_at:%Y-%m-%d}  "
                   f"{state}")
    waiting = [row for row in found if row.needs_action]
    click.echo(f"{len(waiting)} cases need action" if waiting else "no case is left unseen")
    if waiting:
        raise SystemExit(1)


@cases.command("export")
@click.argument("reference")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The zip file to write (mode 0600); it must not exist.")
def cases_export(reference: str, out: Path) -> None:
    """Write the case file of a case handed to an outside recipient (without the reporter's
    identity), record the export, and print its SHA-256 for the covering letter."""
    from casework.cli import _refusals, _runtime
    from casework.services.casefile import export_for_hand_over
    from casework.services.context import Context

    runtime = _runtime()
    try:  # claim the file first: an export is recorded only once it can be written
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise click.ClickException(f"{out} exists already; choose a new file") from exc
    with os.fdopen(fd, "wb") as handle:
        try:
            with _refusals(), runtime.transaction() as session:
                made = export_for_hand_over(Context(session, runtime), reference)
                handle.write(made.data)
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException:
            os.unlink(out)
            raise
    click.echo(f"wrote {out} for {made.recipient}")
    click.echo(f"sha256: {made.sha256}")
