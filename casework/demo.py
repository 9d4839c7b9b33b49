"""The demo organisation: a directory, staff accounts of every role (each with a second factor,
as every staff account has), and a few cases."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.models import User
from casework.runtime import Runtime
from casework.services.accounts import NewUser, create_user
from casework.services.context import Context
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


def load_demo(session: Session, runtime: Runtime) -> tuple[list[str], list[str]]:
    """Load the demo once; returns the logins, and the demo receipts on the first load only."""
    ctx = Context(session, runtime)
    receipts: list[str] = []
    if session.execute(select(User).where(User.email == f"intake@{DOMAIN}")).first() is None:
        people = _people(ctx)
        _users(ctx, people)
        receipts = _cases(ctx, people)
    return _logins(ctx), receipts


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
    reports = [
        NewReport("disclosure", disclosure_cats[-1], "Contracts steered to a friend's firm",
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


def _logins(ctx: Context) -> list[str]:
    lines = []
    for local, _name, roles, _queues, _person in USERS:
        user = ctx.session.execute(
            select(User).where(User.email == f"{local}@{DOMAIN}")).scalar_one()
        secret = (open_account_secret(ctx.runtime.keyring, user.id, user.totp_secret_ct)
                  if user.totp_secret_ct else "(reset: needs a new invitation)")
        lines.append(f"{user.email:34} {PASSWORD}  {secret:34} {', '.join(roles)}")
    return lines
