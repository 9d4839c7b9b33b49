"""The `casework` command as operators use it, in a subprocess against a scratch instance."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import distinct, func, select, update

from casework.db import make_engine
from casework.models import CaseClock, Notification
from tests.conftest import PG_URL
from tests.scratch_db import scratch_database
from tests.services.test_mail import Sink, free_port


@pytest.fixture
def instance(tmp_path):
    """A scratch instance: its own database (SQLite file, or a PostgreSQL scratch database)."""
    env = {**os.environ, "CASEWORK_INSTANCE_DIR": str(tmp_path / "instance"),
           "CASEWORK_SECRET_KEY": "cli-test"}
    env.pop("CASEWORK_KEY", None)
    for name in [n for n in env if n.startswith(("CASEWORK_SMTP_", "CASEWORK_MAIL_"))]:
        env.pop(name)
    if not PG_URL:
        env["CASEWORK_DATABASE_URL"] = f"sqlite:///{tmp_path / 'cli.db'}"
        yield env
        return
    with scratch_database(PG_URL, tmp_path, "casework_cli") as url:
        env["CASEWORK_DATABASE_URL"] = url
        yield env


@contextmanager
def mail_sink(instance: dict) -> Iterator[tuple[Sink, dict]]:
    """A local SMTP server, and the instance's environment sending to it."""
    sink = Sink(port=free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield sink, {**instance, "CASEWORK_SMTP_HOST": "127.0.0.1",
                     "CASEWORK_SMTP_PORT": str(sink.port), "CASEWORK_SMTP_SECURITY": "none",
                     "CASEWORK_MAIL_FROM": "casework@council.example",
                     "CASEWORK_BASE_URL": "https://casework.example.org"}
    finally:
        controller.stop()


def casework(env, *args, check=True):
    """Run the command; returns the completed process."""
    result = subprocess.run([sys.executable, "-m", "casework.cli", *args], env=env,
                            capture_output=True, text=True, timeout=120)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def test_workflow_show_formats(instance):
    data = json.loads(casework(instance, "workflow", "show", "disclosure").stdout)
    assert data["route"] == "disclosure"
    assert {t["key"] for t in data["transitions"]} >= {"acknowledge", "give_feedback"}
    mermaid = casework(instance, "workflow", "show", "harassment", "--format", "mermaid").stdout
    assert mermaid.startswith("stateDiagram-v2") and "options --> informal" in mermaid
    dot = casework(instance, "workflow", "show", "harassment", "--format", "dot").stdout
    assert dot.lstrip().startswith("digraph") and "doublecircle" in dot
    unknown = casework(instance, "workflow", "show", "nope", check=False)
    assert unknown.returncode != 0 and "no route 'nope'" in unknown.stderr


def test_upgrade_users_demo_and_audit(instance):
    casework(instance, "db", "upgrade")
    casework(instance, "db", "upgrade")  # twice is harmless
    made = casework(instance, "users", "create", "--email", "i@example.org", "--password",
                    "a long enough password", "--role", "intake", "--queue", "intake").stdout
    lines = dict(line.split(": ", 1) for line in made.strip().splitlines())
    assert lines["id"].isdigit() and len(lines["totp_secret"]) >= 16
    admin = casework(instance, "users", "create", "--email", "a@example.org", "--password",
                     "a long enough password", "--role", "admin").stdout
    admin_lines = dict(line.split(": ", 1) for line in admin.strip().splitlines())
    assert len(admin_lines["totp_secret"]) >= 16  # every account has a second factor
    again = dict(line.split(": ", 1) for line in casework(
        instance, "users", "invite", "--email", "a@example.org").stdout.strip().splitlines())
    assert again["purpose"] == "reset" and len(again["invitation"].replace("-", "")) == 24
    nobody = casework(instance, "users", "invite", "--email", "no@example.org", check=False)
    assert nobody.returncode != 0 and "no active account" in nobody.stderr
    dup = casework(instance, "users", "create", "--email", "a@example.org", "--password",
                   "a long enough password", "--role", "admin", check=False)
    assert dup.returncode != 0 and "exists already" in dup.stderr
    first = casework(instance, "demo").stdout
    assert "intake@demo.casework.example" in first and "Demo reports" in first
    again = casework(instance, "demo").stdout
    assert "intake@demo.casework.example" in again and "Demo reports" not in again
    verified = casework(instance, "audit", "verify").stdout
    assert "audit trail intact" in verified
    assert casework(instance, "retention", "purge", "--dry-run").stdout.startswith("would purge")


def test_refuses_to_start_without_the_key_once_data_exists(instance, tmp_path):
    casework(instance, "db", "upgrade")
    casework(instance, "demo")
    key_file = tmp_path / "instance" / "casework.key"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    key_file.rename(tmp_path / "elsewhere.key")
    refused = casework(instance, "demo", check=False)
    assert refused.returncode != 0
    assert str(key_file) in refused.stderr and "will not start" in refused.stderr
    assert not key_file.exists()  # no new key was quietly made


def make_acknowledgements_overdue(env) -> None:
    """As if the demo cases had been left alone for a fortnight."""
    engine = make_engine(env["CASEWORK_DATABASE_URL"])
    with engine.begin() as conn:
        conn.execute(update(CaseClock).where(CaseClock.name == "acknowledge",
                                             CaseClock.status == "running")
                     .values(due_on=date.today() - timedelta(days=3)))
    engine.dispose()


def test_two_reminder_runs_at_once_enqueue_each_reminder_once(instance):
    """Cron on two machines at the same minute: two processes, one outbox row per reminder."""
    casework(instance, "db", "upgrade")
    casework(instance, "demo")
    make_acknowledgements_overdue(instance)
    runs = [subprocess.Popen([sys.executable, "-m", "casework.cli", "reminders", "send"],
                             env=instance, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert all(run.returncode == 0 for run in runs), [err for _, err in outputs]
    new = [int(re.match(r"reminders: (\d+) new, (\d+) already sent", out)[1])
           for out, _ in outputs]
    engine = make_engine(instance["CASEWORK_DATABASE_URL"])
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(func.count()).select_from(Notification)).scalar_one()
            keys = conn.execute(select(func.count(distinct(Notification.dedupe_key)))).scalar_one()
    finally:
        engine.dispose()
    assert rows == keys == sum(new) > 0


def test_reminders_send_counts_once_and_mails_when_a_server_is_configured(instance):
    casework(instance, "db", "upgrade")
    casework(instance, "demo")
    make_acknowledgements_overdue(instance)
    first = casework(instance, "reminders", "send").stdout
    found = re.fullmatch(r"reminders: (\d+) new, 0 already sent; check-ins: 0 reporters told; "
                         r"emails: SMTP is not configured "
                         r"\(CASEWORK_SMTP_HOST\), so (\d+) wait in the outbox\n", first)
    assert found and int(found[1]) > 0 and found[1] == found[2], first
    told = int(found[1])
    again = casework(instance, "reminders", "send").stdout
    assert again.startswith(f"reminders: 0 new, {told} already sent;"), again
    with mail_sink(instance) as (sink, mailing):
        sent = casework(mailing, "reminders", "send").stdout
        assert sent == (f"reminders: 0 new, {told} already sent; check-ins: 0 reporters told; "
                        f"emails: {told} sent, "
                        f"0 retrying, 0 failed, 0 dropped\n"), sent
        assert casework(mailing, "mail", "send").stdout == (
            "emails: 0 sent, 0 retrying, 0 failed, 0 dropped\n")
    assert len(sink.received) == told
    assert all(to[0].endswith("@demo.casework.example") for to, _, _ in sink.received)
    broken = casework({**mailing, "CASEWORK_SMTP_SECURITY": "tls"}, "mail", "send", check=False)
    assert broken.returncode != 0 and "CASEWORK_SMTP_SECURITY" in broken.stderr


def test_stats_export_gives_the_stored_release_as_csv_and_json(instance):
    casework(instance, "db", "upgrade")
    casework(instance, "demo")
    refused = casework(instance, "stats", "export", "--by", "route", "--period",
                       "2026-01-01..2026-06-30", check=False)
    assert refused.returncode != 0 and "period" in refused.stderr
    last_year = str(date.today().year - 1)
    table = casework(instance, "stats", "export", "--by", "route", "--period", last_year).stdout
    lines = table.splitlines()
    assert lines[0] == "route,count,suppressed"
    assert {line.split(",")[0] for line in lines[1:4]} == {"disclosure", "harassment", "all"}
    as_json = json.loads(casework(instance, "stats", "export", "--by", "route", "--period",
                                  last_year, "--format", "json").stdout)
    assert as_json["period"] == last_year and as_json["threshold"] == 8
    assert as_json["rounding"] == 5


def test_db_upgrade_names_an_unknown_policy_pack_without_a_traceback(instance):
    refused = casework({**instance, "CASEWORK_POLICY": "atlantis"}, "db", "upgrade", check=False)
    assert refused.returncode != 0 and "no policy pack 'atlantis'" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_stats_annual_publishes_every_section_and_prints_the_reports(instance):
    casework(instance, "db", "upgrade")
    casework(instance, "demo")
    last_year = str(date.today().year - 1)
    refused = casework(instance, "stats", "annual", "--period", f"{last_year}-Q1", check=False)
    assert refused.returncode != 0 and "whole year" in refused.stderr
    first = casework(instance, "stats", "annual", "--period", last_year).stdout
    lines = first.splitlines()
    assert lines[0].startswith("report,citation,period,section,group,row,count")
    assert any("Concerns declined, by kind of reason" in line for line in lines)
    assert any(line.startswith("Whistleblowing and harassment") for line in lines[1:])
    # Stored: the second run reads the same releases back.
    assert casework(instance, "stats", "annual", "--period", last_year).stdout == first


def test_cases_orphaned_and_the_hand_over_export(instance, tmp_path):
    """A case nobody can see makes the daily check fail until it is dealt with; a case handed
    outside is exported once, without the reporter's identity, and the check passes."""
    from casework.config import Settings
    from casework.runtime import build_runtime
    from casework.services.context import Context
    from casework.services.people import NewPerson, create_person
    from casework.services.reports import ImplicatedInput, NewReport, ReporterInput, lodge_report

    casework(instance, "db", "upgrade")
    assert "no case is left unseen" in casework(instance, "cases", "orphaned").stdout
    runtime = build_runtime(Settings.from_env(instance))
    with runtime.transaction() as session:
        ctx = Context(session, runtime)
        people = [create_person(ctx, "test", NewPerson(name=n, position=n, roles=(r,))).id
                  for n, r in (("Chief", "chief_executive"), ("Monitor", "monitoring_officer"))]
        both = lodge_report(ctx, NewReport(
            route="disclosure", category="policy_breach", summary="Both of them",
            details="Details", anonymous=False, reporter=ReporterInput(name="Rita Reporter"),
            implicated=tuple(ImplicatedInput(person_id=p) for p in people)))
        lonely = lodge_report(ctx, NewReport(route="disclosure", category="policy_breach",
                                             summary="Nobody", details="Details",
                                             anonymous=True))
    runtime.engine.dispose()
    waiting = casework(instance, "cases", "orphaned", check=False)
    assert waiting.returncode == 1
    assert f"{lonely.reference}  queue intake" in waiting.stdout
    assert f"{both.reference}  queue external" in waiting.stdout
    assert "export its file" in waiting.stdout and "2 cases need action" in waiting.stdout
    out = tmp_path / "handover.zip"
    made = casework(instance, "cases", "export", both.reference, "--out", str(out)).stdout
    assert "for the council's external auditor" in made and "sha256: " in made
    assert out.stat().st_mode & 0o777 == 0o600
    with zipfile.ZipFile(out) as handed:
        record = handed.read("case.json").decode()
    assert "Both of them" in record and "Rita" not in record  # never the reporter's identity
    again = casework(instance, "cases", "export", both.reference, "--out", str(out), check=False)
    assert again.returncode != 0 and "exists already" in again.stderr
    inside = casework(instance, "cases", "export", lonely.reference, "--out",
                      str(tmp_path / "no.zip"), check=False)
    assert inside.returncode != 0 and not (tmp_path / "no.zip").exists()
    still = casework(instance, "cases", "orphaned", check=False)
    assert still.returncode == 1 and "1 cases need action" in still.stdout
    assert "file exported" in still.stdout
