"""The demo organisation: a directory, staff accounts of every role (each with a second factor,
as every staff account has), three cases of this year and a year's worth of last year's (so the
statistics have a finished period to show).

The three demo reports' receipts are kept in the instance folder (`demo-receipts`, mode 0600)
so `casework demo --show` can print them again: demo data only; a real receipt is never kept."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.models import Case, User
from casework.runtime import Runtime
from casework.services.access.actors import staff_actor
from casework.services.access.cases import visible_filter
from casework.services.accounts import NewUser, create_user
from casework.services.context import Context
from casework.services.escalation import FLAG as IMMEDIATE
from casework.services.people import NewPerson, create_person
from casework.services.reports import ImplicatedInput, NewReport, ReporterInput, lodge_report
from casework.services.totp import open_account_secret

DOMAIN = "demo.casework.example"
PASSWORD = "demo-password-2026"  # noqa: S105 (demo only: printed on purpose)

PEOPLE = [  # key, name, position, department, roles, manager key
    ("ce", "Alex Morgan", "Chief Executive", "corporate", ["chief_executive"], None),
    ("mo", "Priya Shah", "Monitoring Officer", "legal_governance", ["monitoring_officer"], "ce"),
    ("hia", "Sam Okafor", "Head of Internal Audit", "finance", ["head_of_internal_audit"], "ce"),
    ("hrm", "Jo Lindqvist", "HR Manager", "corporate", ["hr_manager"], "ce"),
    ("dir", "Chris Evans", "Director of Environment", "environment", ["director"], "ce"),
    ("mgr", "Dana Kowalski", "Highways Manager", "environment", [], "dir"),
    ("off", "Lee Park", "Highways Officer", "environment", [], "mgr"),
    ("inv", "Ruth Adeyemi", "Senior Investigator", "legal_governance", [], "mo"),
]

USERS = [  # local part, name, roles, queues, person key
    ("intake", "Intake Officer", ["intake"], ["intake"], None),
    ("mo", "Priya Shah", ["intake", "investigator", "decision_maker"], ["monitoring_officer"],
     "mo"),
    ("audit", "Sam Okafor", ["intake", "investigator"], ["internal_audit"], "hia"),
    ("hr", "Jo Lindqvist", ["intake", "investigator"], ["hr"], "hrm"),
    ("investigator", "Ruth Adeyemi", ["investigator"], [], "inv"),
    ("director", "Chris Evans", ["decision_maker"], [], "dir"),
    ("ce", "Alex Morgan", ["intake", "decision_maker"], ["chief_executive", "intake"], "ce"),
    ("admin", "Administrator", ["admin"], [], None),
    ("admin2", "Second Administrator", ["admin"], [], None),
    ("analyst", "HR Analyst", ["hr_analyst"], [], None),
    ("auditor", "Auditor", ["auditor"], [], None),
]


#: The demo's "contracts steered to a friend's firm" is corruption: the first of these keys the
#: pack has for the disclosure route (each pack names its own categories).
CORRUPTION = ("bribery_corruption", "corruption", "corrupt_conduct", "conflict_of_interest",
              "misuse_of_funds", "public_funds", "fraud")

#: Last year's demo reports: (route, how many, month of the first); enough in each route for
#: the statistics' smallest published count.
LAST_YEAR = (("disclosure", 10, 1), ("harassment", 8, 2))

RECEIPTS_FILE = "demo-receipts"


def load_demo(session: Session, runtime: Runtime) -> tuple[list[str], list[str]]:
    """Load the demo once; returns the logins (each with the demo cases it sees), and the demo
    receipts on the first load only (they are kept for `demo_receipts`)."""
    ctx = Context(session, runtime)
    receipts: list[str] = []
    if session.execute(select(User).where(User.email == f"intake@{DOMAIN}")).first() is None:
        people = _people(ctx)
        _users(ctx, people)
        _last_year(session, runtime)
        receipts = _cases(ctx, people)
        _keep_receipts(runtime, receipts)
    return _logins(ctx), receipts


def receipts_path(runtime: Runtime) -> Path:
    """Where the demo reports' receipts are kept (the instance folder)."""
    return runtime.settings.instance_dir / RECEIPTS_FILE


def demo_receipts(runtime: Runtime) -> list[str] | None:
    """The demo reports' references and receipts, as printed when the demo was loaded; None if
    this instance kept none (no demo, or a demo loaded before they were kept)."""
    path = receipts_path(runtime)
    if not path.is_file():
        return None
    return [line for line in path.read_text().splitlines() if line.strip()]


def _keep_receipts(runtime: Runtime, receipts: list[str]) -> None:
    path = receipts_path(runtime)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)  # a demo loaded again into a new database
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write("".join(f"{line}\n" for line in receipts))


def _people(ctx: Context) -> dict[str, int]:
    ids: dict[str, int] = {}
    departments = ctx.runtime.pack.departments
    for key, name, position, dept, roles, manager in PEOPLE:
        # Packs name their own departments: a demo person whose department the pack lacks
        # goes to the pack's first one.
        person = create_person(ctx, "system:demo", NewPerson(
            name=name, position=position, roles=tuple(roles),
            department=dept if dept in departments else next(iter(departments)),
            manager_id=ids.get(manager) if manager else None,
            email=f"{key}.person@{DOMAIN}"))
        ids[key] = person.id
    return ids


def _users(ctx: Context, people: dict[str, int]) -> None:
    for local, name, roles, queues, person in USERS:
        queues = [q for q in queues if q in ctx.runtime.pack.queues]
        create_user(ctx, "system:demo", NewUser(
            email=f"{local}@{DOMAIN}", name=name, password=PASSWORD, roles=tuple(roles),
            queues=tuple(queues), person_id=people.get(person) if person else None))


def _cases(ctx: Context, people: dict[str, int]) -> list[str]:
    pack = ctx.runtime.pack
    disclosure_cats = [c.key for c in pack.categories_for("disclosure")]
    harassment_cats = [c.key for c in pack.categories_for("harassment")]
    corruption = next((key for key in CORRUPTION if key in disclosure_cats), disclosure_cats[0])
    reports = [
        NewReport("disclosure", corruption, "Contracts steered to a friend's firm",
                  "Demo case: the Chief Executive appears to have steered contracts.",
                  implicated=(ImplicatedInput(person_id=people["ce"]),)),
        NewReport("disclosure", disclosure_cats[0], "Overtime claims for hours not worked",
                  "Demo case: overtime claims look false.",
                  department=next(iter(pack.departments))),
        NewReport("harassment", harassment_cats[-1], "Unwelcome comments at team meetings",
                  "Demo case: repeated unwelcome comments.", anonymous=False,
                  reporter=ReporterInput(name="Lee Park", person_id=people["off"]),
                  implicated=(ImplicatedInput(person_id=people["mgr"]),)),
    ]
    lodged = [lodge_report(ctx, report) for report in reports]
    return [f"{item.reference}  {item.receipt}" for item in lodged]


def _last_year(session: Session, runtime: Runtime) -> None:
    """Reports received last year, spread over its months, through the same lodging service
    on a clock set back (their receipts are thrown away: nobody needs to sign in to them).
    None is in a category the pack escalates at once: lodging one would alert the head of the
    organisation today, on their dashboard and by email, about last year's invented report."""
    year = datetime.now(UTC).year - 1
    pack = runtime.pack
    for route, count, first_month in LAST_YEAR:
        categories = [c.key for c in pack.categories_for(route) if IMMEDIATE not in c.flags]
        for n in range(count):
            moment = datetime(year, (first_month + n) % 12 + 1, 10 + n % 15, 10, tzinfo=UTC)
            ctx = Context(session, replace(runtime, clock=lambda moment=moment: moment))
            lodge_report(ctx, NewReport(
                route, categories[n % len(categories)], f"Last year's demo report {n + 1}",
                "Demo case from last year, for the statistics."))


def _logins(ctx: Context) -> list[str]:
    """Each login, its password and TOTP secret, its roles, and the demo cases it sees (this
    year's, by reference), through the access policy's own filter."""
    lines = []
    start = datetime(datetime.now(UTC).year, 1, 1, tzinfo=UTC)
    this_year = {c.reference: f"{c.route}, {c.category}" for c in ctx.session.scalars(
        select(Case).where(Case.opened_at >= start))}
    for local, _name, roles, _queues, _person in USERS:
        user = ctx.session.execute(
            select(User).where(User.email == f"{local}@{DOMAIN}")).scalar_one()
        secret = (open_account_secret(ctx.runtime.keyring, user.id, user.totp_secret_ct)
                  if user.totp_secret_ct else "(reset: needs a new invitation)")
        visible = visible_filter(staff_actor(user, ctx.runtime.keyring))
        seen = ctx.session.scalars(select(Case.reference).where(
            Case.reference.in_(this_year), visible).order_by(Case.reference)).all()
        older = ctx.session.scalar(select(func.count()).select_from(Case).where(
            Case.opened_at < start, visible))
        sees = (", ".join(f"{ref} ({this_year[ref]})" for ref in seen)
                or "none of this year's demo cases") + f"; {older} of last year's"
        lines.append(f"{user.email:34} {PASSWORD}  {secret:34} {', '.join(roles)}\n"
                     f"{'':36}sees: {sees}")
    return lines
