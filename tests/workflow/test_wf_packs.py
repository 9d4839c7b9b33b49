"""Policy packs and the shipped clock sets: every pack loads, each statute's clocks are as the
law says, and a mistake in a clock set names the file and the key."""

from __future__ import annotations

import copy
import json
import shutil
import tomllib
from pathlib import Path

import pytest

from casework.workflow.clocks import ClosedPeriod
from casework.workflow.definitions import DefinitionError, load_routes
from casework.workflow.engine import Event, clock_events, lodge_events
from casework.workflow.policy import CLOCK_SETS_DIR, PACKS_DIR, load_pack, parse_pack
from casework.workflow.routing import PersonFacts, RoutingInput, route_case

ROUTES = load_routes()
PACK_NAMES = sorted(p.stem for p in PACKS_DIR.glob("*.toml"))
SET_NAMES = sorted(p.stem for p in CLOCK_SETS_DIR.glob("*.toml"))
QUEUES = {"intake", "hr", "monitoring_officer", "internal_audit", "chief_executive", "external"}


def test_the_expected_packs_and_clock_sets_are_shipped():
    assert {"uk-council", "nz-public-service", "vic-public-sector", "canada-federal",
            "au-commonwealth-agency"} <= set(PACK_NAMES)
    assert {"eu-whistleblowing-directive", "nz-protected-disclosures-2022", "vic-pid-2012",
            "cwlth-pid-2013", "canada-harassment-2020", "org-harassment-targets"} <= set(SET_NAMES)


@pytest.mark.parametrize("name", PACK_NAMES)
def test_every_shipped_pack_loads_with_what_the_app_relies_on(name):
    pack = load_pack(name, ROUTES)
    raw = tomllib.loads((PACKS_DIR / f"{name}.toml").read_text(encoding="utf-8"))
    assert "timezone" in raw and pack.timezone == raw["timezone"] != "UTC"
    assert set(pack.queues) == QUEUES
    assert dict(pack.default_queues) == {"disclosure": "intake", "harassment": "hr"}
    assert pack.clock_sets and pack.aftercare_months == (1, 3, 6) and pack.due_soon_days == 7
    for route in ROUTES:
        assert pack.categories_for(route)
        category = pack.categories[pack.aftercare_categories[route]]
        assert route in category.routes
        assert pack.clock_rules(route), f"{name} has no clock on {route}"
    for clock in pack.clocks:
        assert clock.source and clock.label != clock.name


@pytest.mark.parametrize("name", PACK_NAMES)
def test_every_category_of_every_pack_routes_with_reasons(name):
    pack = load_pack(name, ROUTES)
    chief, manager, reporter = (PersonFacts(1, frozenset({"chief_executive"})),
                                PersonFacts(2, frozenset(), 1), PersonFacts(3, frozenset(), 2))
    directory = {p.id: p for p in (chief, manager, reporter)}
    for route in ROUTES:
        for category in pack.categories_for(route):
            for implicated in (frozenset(), frozenset({1}), frozenset({2})):
                decision = route_case(pack, RoutingInput(route, category.key, implicated, 3),
                                      directory)
                assert decision.queue in pack.queues and decision.reasons
                if implicated == {1}:
                    assert decision.queue != "chief_executive"


@pytest.mark.parametrize("name", SET_NAMES)
def test_every_clock_set_loads_on_its_own(name):
    data = copy.deepcopy(raw_pack())
    data["clock_sets"] = [name]
    if name.startswith("nz-"):  # it names New Zealand's holidays, so needs that jurisdiction
        data["jurisdiction"] = "NZ"
        data.pop("subdivision", None)
    pack = parse_pack(data, ROUTES, "packs/test.toml")
    assert pack.clocks and pack.clock_sets == (name,)
    assert all(c.source for c in pack.clocks)
    assert all(m.source and m.label for m in pack.milestones.values())


def test_the_eu_directive_feedback_clock_follows_acknowledgement():
    uk = load_pack("uk-council", ROUTES)
    acknowledge, feedback = uk.clock("disclosure", "acknowledge"), uk.clock("disclosure",
                                                                           "feedback")
    assert (acknowledge.days, acknowledge.counting) == (7, "calendar")
    assert (feedback.months, feedback.after) == (3, "acknowledge")
    assert feedback.rule.start_on == acknowledge.rule.start_on == {"lodge"}
    assert feedback.rule.stop_on == {"give_feedback", "refer", "no_further_action", "withdraw"}
    assert uk.clock("harassment", "acknowledge").counting == "working"  # same name, other route


def test_nz_deal_with_clock_stops_when_the_discloser_is_told_the_timeframe():
    nz = load_pack("nz-public-service", ROUTES)
    clock = nz.clock("disclosure", "deal_with")
    assert (clock.days, clock.counting, clock.extendable) == (20, "working", True)
    assert [m.key for m in nz.milestones_for("disclosure")] == [
        "checked_made_elsewhere", "told_discloser_timeframe", "subject_informed"]
    assert clock_events(nz.clock_rules("disclosure"), "told_discloser_timeframe") == (
        Event("clock_stop", "deal_with"), Event("clock_start", "told_timeframe"))


def test_nz_the_timeframe_told_to_the_discloser_is_a_clock_of_its_own():
    # s 13(2): the milestone asks the date told to the discloser; the clock it starts falls due
    # on that date and is met by the steps that deal with the disclosure.
    nz = load_pack("nz-public-service", ROUTES)
    assert nz.milestone("disclosure", "told_discloser_timeframe").date
    told = nz.clock("disclosure", "told_timeframe")
    assert (told.due_given, told.days, told.months, told.extendable) == (True, 0, 0, True)
    assert told.rule.start_on == {"told_discloser_timeframe"}
    assert told.rule.stop_on == {"give_feedback", "refer", "no_further_action", "withdraw"}


def test_only_the_nz_act_declares_a_closed_period():
    # Legislation Act 2019 (NZ), s 13: 25 December to 2 January are not working days. The
    # Commonwealth and Victorian Acts' clocks count calendar days and declare none.
    nz = load_pack("nz-public-service", ROUTES)
    assert nz.clock("disclosure", "deal_with").closed == (ClosedPeriod((12, 25), (1, 2)),)
    closed = {(name, c.route, c.name) for name in PACK_NAMES
              for c in load_pack(name, ROUTES).clocks if c.closed}
    assert closed == {("nz-public-service", "disclosure", "deal_with")}
    vic, cth = load_pack("vic-public-sector", ROUTES), load_pack("au-commonwealth-agency", ROUTES)
    assert {c.counting for c in (*vic.clocks, *cth.clocks) if c.route == "disclosure"} == {
        "calendar"}


def test_victoria_notify_ibac_clock_is_stopped_by_the_milestone():
    vic = load_pack("vic-public-sector", ROUTES)
    clock = vic.clock("disclosure", "notify_ibac")
    assert (clock.days, clock.counting, vic.jurisdiction, vic.subdivision) == (
        28, "calendar", "AU", "VIC")
    assert "IBAC" in vic.milestone("disclosure", "notified_ibac").label
    assert clock_events(vic.clock_rules("disclosure"), "notified_ibac") == (
        Event("clock_stop", "notify_ibac"),)
    assert [m.key for m in vic.milestones_for("harassment")] == ["admitted_behaviour"]


def test_commonwealth_allocation_and_investigation_clocks():
    cth = load_pack("au-commonwealth-agency", ROUTES)
    allocate, investigate = (cth.clock("disclosure", n) for n in ("allocate", "investigate"))
    assert allocate.days == 14 and "allocated" in allocate.rule.stop_on
    assert (investigate.days, investigate.extendable) == (90, True)
    assert investigate.rule.start_on == {"accept_for_investigation"}


def test_canada_harassment_clocks_follow_the_regulations():
    ca = load_pack("canada-federal", ROUTES)
    names = {c.name for c in ca.clocks if c.route == "harassment"}
    assert names == {"contact_principal_party", "begin_resolution", "complete_resolution",
                     "acknowledge", "contact_witness"}
    assert ca.clock("harassment", "contact_principal_party").days == 7
    assert ca.clock("harassment", "begin_resolution").days == 45
    complete = ca.clock("harassment", "complete_resolution")
    assert (complete.months, complete.pausable, complete.extendable) == (12, True, False)
    closing = {t.key for t in ROUTES["harassment"].transitions if t.target == "closed"}
    assert complete.rule.stop_on == closing  # every way a harassment case closes
    assert ca.queues["intake"].label == "Senior officer for internal disclosure"


def test_canada_milestones_and_the_departmental_acknowledgement():
    # SOR/2020-130 s 20: contacting the principal party stops its 7-day clock; s 22: telling the
    # responding party is a milestone only. The department acknowledges a disclosure in 5
    # working days (its own standard: the Act sets none).
    ca = load_pack("canada-federal", ROUTES)
    assert [m.key for m in ca.milestones_for("harassment")] == [
        "contacted_principal_party", "informed_responding_party", "contacted_witness",
        "admitted_behaviour"]
    assert clock_events(ca.clock_rules("harassment"), "contacted_principal_party") == (
        Event("clock_stop", "contact_principal_party"),)
    assert clock_events(ca.clock_rules("harassment"), "informed_responding_party") == ()
    acknowledge = ca.clock("disclosure", "acknowledge")
    assert (acknowledge.days, acknowledge.counting) == (5, "working")
    assert acknowledge.rule.stop_on == {"acknowledge", "withdraw"}
    # Seed 004: the senior officer receives disclosures, delegated managers harassment notices,
    # and the Senior Official for Values and Ethics stands behind both.
    assert ca.queues["hr"].label.startswith("Delegated manager for work place harassment")
    assert ca.queues["monitoring_officer"].label == "Senior Official for Values and Ethics"
    assert ca.default_queues == {"disclosure": "intake", "harassment": "hr"}


#: The kinds of concern the seeds name, as each pack offers them (docs/POLICIES.md): key ->
#: (routes, flags). Seed 002 section 24 and 5.2; seed 003's serious wrongdoing, zero tolerance and
#: harassment guidelines; seeds 000 and 001 for Victoria (improper conduct, conflicts of interest,
#: official information, harassment online too).
D, H, DH = ("disclosure",), ("harassment",), ("disclosure", "harassment")
#: possible_offence: the referral decision is asked for (services.referrals); immediate: the
#: head of the organisation is alerted at once (services.escalation).
PO, ZT = "possible_offence", {"zero_tolerance", "immediate", "possible_offence"}
KINDS = {
    "uk-council": {
        "fraud": (D, {"fraud"}), "bribery_corruption": (D, {"fraud", "illegal", PO}),
        "criminal_offence": (D, {"illegal", PO}), "abuse_of_vulnerable": (D, {"illegal", PO}),
        "health_and_safety": (D, set()), "misuse_of_resources": (D, set()),
        "policy_breach": (D, set()), "detriment": (D, set()), "bullying": (DH, set()),
        "victimisation": (H, set()), "sexual_harassment": (H, set()),
        "other_harassment": (H, set()),
    },
    "nz-public-service": {
        "public_funds": (D, {"fraud"}), "health_safety_environment": (D, set()),
        "maintenance_of_law": (D, set()), "offence": (D, {"illegal", PO}),
        "child_abuse": (D, ZT | {"illegal"}),
        "theft": (D, ZT | {"fraud"}),
        "information_disclosure": (D, ZT), "retaliation": (D, set()),
        "maladministration": (D, set()), "bullying": (H, set()), "victimisation": (H, set()),
        "sexual_harassment": (H, set()), "sexual_assault": (H, {PO}),
    },
    "vic-public-sector": {
        "corrupt_conduct": (D, {"corrupt", "illegal", PO}), "fraud": (D, {"fraud"}),
        "criminal_offence": (D, {"illegal", PO}), "conflict_of_interest": (D, set()),
        "misuse_of_information": (D, set()), "mismanagement": (D, set()), "danger": (D, set()),
        "detrimental_action": (D, set()), "improper_conduct": (D, set()),
        "bullying": (H, set()), "victimisation": (H, set()), "sexual_harassment": (H, set()),
        "discrimination_harassment": (H, set()),
    },
}


@pytest.mark.parametrize("name", sorted(KINDS))
def test_the_packs_offer_the_kinds_of_concern_the_seeds_name(name):
    pack = load_pack(name, ROUTES)
    assert {k: (tuple(sorted(c.routes)), set(c.flags)) for k, c in pack.categories.items()} == (
        KINDS[name])
    if name == "vic-public-sector":  # seed 001: harassment obligations apply online too
        assert "online" in pack.categories["discrimination_harassment"].label
    if name == "nz-public-service":  # PDA 2022 s 10: any individual; the maintenance of law
        assert "anyone" in pack.categories["health_safety_environment"].label
        assert "fair trial" in pack.categories["maintenance_of_law"].label


# Mistakes in clock sets: each names the file and the key.

def raw_pack() -> dict:
    return tomllib.loads((PACKS_DIR / "uk-council.toml").read_text(encoding="utf-8"))


@pytest.fixture
def clock_dir(tmp_path) -> Path:
    """A copy of the shipped clock sets, to add broken ones beside them."""
    shutil.copytree(CLOCK_SETS_DIR, tmp_path / "clocks")
    return tmp_path / "clocks"


def refused(data: dict, clock_dir: Path, bad: str = "") -> DefinitionError:
    """Parse the pack with an extra clock set called "bad" made of the given TOML."""
    if bad:
        (clock_dir / "bad.toml").write_text(bad, encoding="utf-8")
        data["clock_sets"] = [*data.get("clock_sets", []), "bad"]
    with pytest.raises(DefinitionError) as info:
        parse_pack(data, ROUTES, "packs/test.toml", clock_dir)
    assert str(info.value).startswith(f"{info.value.source}: {info.value.key}: ")
    return info.value


def clock(name: str, route: str = "disclosure", **fields) -> str:
    """One [[clocks]] entry in TOML, started at lodging and due in 7 days unless told."""
    spec = {"name": name, "route": route, "start_on": ["lodge"], "days": 7, **fields}
    return "[[clocks]]\n" + "".join(f"{k} = {v!r}\n".replace("'", '"') for k, v in spec.items())


def test_an_unknown_clock_set_is_refused(clock_dir):
    data = raw_pack()
    data["clock_sets"] = ["eu-whistleblowing-directive", "eu-whistleblowing-directiv"]
    error = refused(data, clock_dir)
    assert (error.source, error.key) == ("packs/test.toml", "clock_sets[1]")
    assert "eu-whistleblowing-directiv" in error.problem and "vic-pid-2012" in error.problem


def test_an_unknown_milestone_in_a_clock_set_names_the_set_file(clock_dir):
    error = refused(raw_pack(), clock_dir, clock("notify", stop_on=["notified_ibca"]))
    assert (error.source, error.key) == (str(clock_dir / "bad.toml"), "clocks.notify.stop_on")
    assert "notified_ibca" in error.problem


def test_a_milestone_of_another_route_is_unknown(clock_dir):
    bad = ('[[milestones]]\nkey = "told"\nroute = "harassment"\n'
           + clock("deal", stop_on=["told"]))
    assert refused(raw_pack(), clock_dir, bad).key == "clocks.deal.stop_on"


def test_a_milestone_counted_as_something_statistics_do_not_know_is_refused(clock_dir):
    bad = ('[[milestones]]\nkey = "told_press"\nroute = "disclosure"\n'
           'counted_as = "published"\n')
    error = refused(raw_pack(), clock_dir, bad)
    assert error.key.endswith(".counted_as") and "notified" in error.problem


DATED = ('[[milestones]]\nkey = "told"\nroute = "disclosure"\ndate = "the date told"\n'
         '[[milestones]]\nkey = "noted"\nroute = "disclosure"\n')


@pytest.mark.parametrize("fields, key", [
    ({"due": "later"}, "clocks.told_by.due"),
    ({"due": "given", "start_on": ["told"]}, "clocks.told_by.due"),  # and days = 7
    ({"due": "given", "start_on": ["noted"], "days": None}, "clocks.told_by.start_on"),
    ({"due": "given", "start_on": ["lodge"], "days": None}, "clocks.told_by.start_on"),
])
def test_a_clock_due_on_a_given_date_starts_only_on_a_milestone_that_asks_one(
        clock_dir, fields, key):
    spec = {k: v for k, v in fields.items() if v is not None}
    text = clock("told_by", **spec)
    if fields.get("days", 0) is None:
        text = text.replace("days = 7\n", "")
    assert refused(raw_pack(), clock_dir, DATED + text).key == key


def test_a_name_clash_between_clock_sets_names_both_files(clock_dir):
    error = refused(raw_pack(), clock_dir, clock("feedback"))
    assert (error.source, error.key) == (str(clock_dir / "bad.toml"), "clocks.feedback")
    assert "eu-whistleblowing-directive.toml" in error.problem


def test_a_pack_clock_clashing_with_a_clock_set_is_refused(clock_dir):
    data = raw_pack()
    data["clocks"] = [{"name": "acknowledge", "route": "harassment", "start_on": ["lodge"],
                       "days": 3}]
    error = refused(data, clock_dir)
    assert (error.source, error.key) == ("packs/test.toml", "clocks.acknowledge")
    assert "org-harassment-targets.toml" in error.problem


@pytest.mark.parametrize("bad, key, words", [
    (clock("a", after="b") + clock("b", after="a"), "clocks.a.after", "cycle: a -> b -> a"),
    (clock("a", after="a"), "clocks.a.after", "cycle"),
    (clock("a", after="nothing"), "clocks.a.after", "no clock 'nothing'"),
    (clock("a", route="harassment", after="feedback"), "clocks.a.after", "no clock"),
    (clock("a", after="acknowledge", start_on=["acknowledge"]), "clocks.a.start_on",
     "must start with"),
])
def test_after_must_name_a_clock_on_the_route_without_a_cycle(clock_dir, bad, key, words):
    error = refused(raw_pack(), clock_dir, bad)
    assert error.key == key and words in error.problem


@pytest.mark.parametrize("bad, key", [
    (clock("a", stop_onn=["withdraw"]), "clocks.a"),  # a misspelt field would be ignored
    (clock("a", pause_on=["withdraw"]), "clocks.a.pausable"),
    (clock("a", pausable="yes"), "clocks.a.pausable"),
    (clock("a", counting="lunar"), "clocks.a.counting"),
    (clock("a", days=-1), "clocks.a.days"),
    ('[[milestones]]\nkey = "acknowledge"\nroute = "disclosure"\n', "milestones.acknowledge"),
    ('[[milestones]]\nkey = "x"\nroute = "grievance"\n', "milestones.x.route"),
    ('[[milestones]]\nkey = "x"\nroute = "disclosure"\n' * 2, "milestones.x"),
    ('[[clock]]\nname = "a"\n', "clock"),  # a misspelt table would ship no clocks
    ("clocks = [", "(file)"),
])
def test_other_mistakes_in_a_clock_set_are_refused(clock_dir, bad, key):
    error = refused(raw_pack(), clock_dir, bad)
    assert (error.source, error.key) == (str(clock_dir / "bad.toml"), key)


def test_closed_periods_are_read_in_order_and_may_wrap_over_the_new_year(clock_dir):
    (clock_dir / "extra.toml").write_text(
        clock("a", counting="working", closed=["12-25..01-02", "02-29..03-01", "07-04..07-04"]),
        encoding="utf-8")
    data = raw_pack()
    data["clock_sets"] = [*data["clock_sets"], "extra"]
    a = parse_pack(data, ROUTES, "packs/test.toml", clock_dir).clock("disclosure", "a")
    assert a.closed == (ClosedPeriod((12, 25), (1, 2)), ClosedPeriod((2, 29), (3, 1)),
                        ClosedPeriod((7, 4), (7, 4)))
    assert [str(p) for p in a.closed] == ["12-25..01-02", "02-29..03-01", "07-04..07-04"]


@pytest.mark.parametrize("closed, key, words", [
    ("12-25..01-02", "clocks.a.closed", "must be a list"),  # not in a list
    (["12-25"], "clocks.a.closed[0]", "not \"MM-DD..MM-DD\""),
    (["12-25..1-2"], "clocks.a.closed[0]", "not \"MM-DD..MM-DD\""),
    (["12-25 .. 01-02"], "clocks.a.closed[0]", "not \"MM-DD..MM-DD\""),
    (["25-12..02-01"], "clocks.a.closed[0]", "25-12 is not a day of the year"),
    (["12-25..01-02", "02-30..03-01"], "clocks.a.closed[1]", "02-30 is not a day"),
    (["04-01..04-31"], "clocks.a.closed[0]", "04-31 is not a day"),
    ([1225], "clocks.a.closed[0]", "1225"),
    (["01-01..12-31"], "clocks.a.closed", "leave a week of the year open"),
    (["01-02..01-01"], "clocks.a.closed", "leave a week"),  # wraps round to the whole year
    (["01-01..06-30", "07-05..12-31"], "clocks.a.closed", "leave a week"),  # 4 days open
])
def test_a_bad_closed_period_is_refused_naming_the_key(clock_dir, closed, key, words):
    error = refused(raw_pack(), clock_dir, clock("a", counting="working", closed=closed))
    assert (error.source, error.key) == (str(clock_dir / "bad.toml"), key)
    assert words in error.problem


@pytest.mark.parametrize("change, key", [
    (lambda d: d.update(timezone="Europe/Londn"), "timezone"),
    (lambda d: d.update(timezone=""), "timezone"),
    (lambda d: d.update(due_soon_days=-1), "due_soon_days"),
    (lambda d: d.update(aftercare_months=[3, 1]), "aftercare_months"),
    (lambda d: d.update(aftercare_months=[0]), "aftercare_months"),
    (lambda d: d["aftercare_categories"].pop("harassment"), "aftercare_categories.harassment"),
    (lambda d: d["aftercare_categories"].update(disclosure="victimisation"),
     "aftercare_categories.disclosure"),
    (lambda d: d["aftercare_categories"].update(grievance="detriment"),
     "aftercare_categories.grievance"),
    (lambda d: d.update(clock_sets=["org-harassment-targets", "org-harassment-targets"]),
     "clock_sets[1]"),
    (lambda d: d.update(clock_sets="eu-whistleblowing-directive"), "clock_sets"),
])
def test_mistakes_in_the_new_pack_fields_are_refused(clock_dir, change, key):
    data = raw_pack()
    change(data)
    error = refused(data, clock_dir)
    assert (error.source, error.key) == ("packs/test.toml", key)


def test_without_aftercare_no_aftercare_category_is_needed():
    data = raw_pack()
    data["aftercare_months"] = []
    del data["aftercare_categories"]
    pack = parse_pack(data, ROUTES, "packs/test.toml")
    assert pack.aftercare_months == () and pack.aftercare_categories == {}


def test_a_pack_without_a_timezone_runs_on_utc():
    data = raw_pack()
    del data["timezone"]
    assert parse_pack(data, ROUTES, "packs/test.toml").timezone == "UTC"


def test_holidays_a_clock_names_must_be_the_jurisdictions():
    """A misspelt or renamed holiday would silently count as a working day: refused, naming
    the clock set and the key. So is the NZ set under a pack of another country."""
    data = copy.deepcopy(raw_pack())
    data["clock_sets"] = ["nz-protected-disclosures-2022"]
    with pytest.raises(DefinitionError) as caught:
        parse_pack(data, ROUTES, "packs/test.toml")
    assert caught.value.key == "clocks.deal_with.holidays"
    assert "nz-protected-disclosures-2022" in caught.value.source
    assert "not holidays of GB" in caught.value.problem


@pytest.mark.parametrize("value, problem", [
    (["Waitangi Day", "Waitangy Day"], "Waitangy Day"),
    ("Waitangi Day", "list of holiday names"),
    ([""], "list of holiday names"),
])
def test_a_clocks_holiday_names_are_checked(clock_dir, value, problem):
    text = (clock_dir / "nz-protected-disclosures-2022.toml").read_text(encoding="utf-8")
    start = text.index("holidays = [")
    end = text.index("]", start) + 1
    (clock_dir / "nz-protected-disclosures-2022.toml").write_text(
        text[:start] + f"holidays = {json.dumps(value)}" + text[end:], encoding="utf-8")
    data = copy.deepcopy(raw_pack())
    data.update(clock_sets=["nz-protected-disclosures-2022"], jurisdiction="NZ")
    data.pop("subdivision", None)
    with pytest.raises(DefinitionError) as caught:
        parse_pack(data, ROUTES, "packs/test.toml", clock_dir)
    assert caught.value.key == "clocks.deal_with.holidays" and problem in caught.value.problem


def test_canada_contacts_a_named_witness_within_7_days():
    """SOR/2020-130 s 21: a witness who gave notice and is not anonymous is contacted within 7
    days; the clock starts only for such a report, and the milestone stops it."""
    ca = load_pack("canada-federal", ROUTES)
    clock = ca.clock("harassment", "contact_witness")
    assert (clock.days, clock.counting, clock.source) == (7, "calendar", "SOR/2020-130, s 21")
    rules = ca.clock_rules("harassment")
    assert Event("clock_start", "contact_witness") in lodge_events(rules, named_witness=True)
    assert Event("clock_start", "contact_witness") not in lodge_events(rules,
                                                                      named_witness=False)
    assert clock_events(rules, "contacted_witness") == (Event("clock_stop", "contact_witness"),)
    uk = load_pack("uk-council", ROUTES)
    assert Event("clock_start", "contact_witness") not in lodge_events(
        uk.clock_rules("harassment"), named_witness=True)


@pytest.mark.parametrize("pack", ["uk-council", "nz-public-service", "canada-federal",
                                  "vic-public-sector", "au-commonwealth-agency"])
def test_every_pack_records_an_admission_as_a_fact_of_its_own(pack):
    """NZ step 3: the person concerned admitting the behaviour is a milestone a handler records
    when it happens; it starts and stops no clock (it is not a condition of anything)."""
    loaded = load_pack(pack, ROUTES)
    assert loaded.milestone("harassment", "admitted_behaviour").source == (
        "Sexual Harassment Guidelines, step 3 (informal solution)")
    assert clock_events(loaded.clock_rules("harassment"), "admitted_behaviour") == ()


def test_nz_records_the_check_whether_the_disclosure_was_made_elsewhere():
    """s 13(1)(c): a milestone of its own, recorded once; it stops no clock (the 20 working
    days still wait for the matter to be dealt with or the timeframe to be told)."""
    nz = load_pack("nz-public-service", ROUTES)
    checked = nz.milestone("disclosure", "checked_made_elsewhere")
    assert checked.source.endswith("s 13(1)(c)") and "elsewhere" in checked.label
    assert clock_events(nz.clock_rules("disclosure"), "checked_made_elsewhere") == ()


def test_nz_keeps_the_disclosers_answer_on_where_else_it_was_made():
    """s 13(1)(c): the check's milestone asks a note (the discloser's answer: where, and any
    outcome), and the report form asks it up front, optionally, on disclosures only."""
    nz = load_pack("nz-public-service", ROUTES)
    assert "where" in nz.milestone("disclosure", "checked_made_elsewhere").note
    asked = nz.questions["made_elsewhere"]
    assert asked.routes == {"disclosure"} and "(optional)" in asked.label
    assert asked.source.endswith("s 13(1)(c)")
    assert {q for name in PACK_NAMES for q in load_pack(name, ROUTES).questions} == {
        "made_elsewhere"}


def test_nz_tells_the_discloser_why_no_further_action_is_taken():
    """s 13(1)(e): under the NZ pack, no further action needs the reason in words for the
    discloser (shown to them); the shared route and the other packs leave it optional."""
    from casework.workflow.engine import Decision, Snapshot, decide

    nz = load_pack("nz-public-service", ROUTES)
    [needed] = nz.requirements
    assert needed.source.endswith("s 13(1)(e)") and needed.fields == {"reporter_reason"}
    handler = frozenset({"handler"})
    fields = {"reason": "Dealt with by the Ombudsman already"}
    refused = decide(nz.route(ROUTES["disclosure"]), Snapshot("assessment"), handler,
                     "no_further_action", fields)
    assert refused.fields == {"reporter_reason": "required"}
    told = decide(nz.route(ROUTES["disclosure"]), Snapshot("assessment"), handler,
                  "no_further_action", {**fields, "reporter_reason": "Already dealt with"})
    assert isinstance(told, Decision)
    shown = {f.name: f for f in told.transition.requires}["reporter_reason"]
    assert shown.shown_to_reporter and not shown.optional
    for name in set(PACK_NAMES) - {"nz-public-service"}:
        other = load_pack(name, ROUTES)
        assert other.route(ROUTES["disclosure"]) is ROUTES["disclosure"]


@pytest.mark.parametrize("requires, key", [
    ([{"route": "complaints", "transition": "refer", "fields": ["x"]}], "requires[0].route"),
    ([{"route": "disclosure", "transition": "fly", "fields": ["x"]}], "requires[0].transition"),
    ([{"route": "disclosure", "transition": "no_further_action", "fields": ["reason"]}],
     "requires[0].fields"),
    ([{"route": "disclosure", "transition": "no_further_action", "fields": []}],
     "requires[0].fields"),
    ([{"route": "disclosure", "transition": "refer", "fields": ["x"], "why": "y"}],
     "requires[0]"),
])
def test_a_bad_requirement_is_refused_by_name(clock_dir, requires, key):
    data = raw_pack()
    data["requires"] = requires
    assert refused(data, clock_dir).key == key


@pytest.mark.parametrize("questions, key", [
    ([{"key": "where", "label": "Where?", "routes": ["complaints"]}], "questions.where.routes"),
    ([{"key": "where", "label": "Where?"}, {"key": "where", "label": "Again?"}],
     "questions.where"),
    ([{"key": "Where else", "label": "Where?"}], "questions.Where else"),
    ([{"key": "where"}], "questions.where.label"),
    ([{"key": "where", "label": "Where?", "asks": "x"}], "questions.where"),
])
def test_a_bad_question_is_refused_by_name(clock_dir, questions, key):
    data = raw_pack()
    data["questions"] = questions
    assert refused(data, clock_dir).key == key


def test_nz_offers_complainants_support_and_a_support_person():
    """Seed 003, Sexual Harassment Guidelines, "Who to approach": the EAP, or a trusted person
    (a union representative, a colleague or a friend), on the harassment route."""
    nz = load_pack("nz-public-service", ROUTES)
    assert nz.support.routes == {"harassment"}
    assert set(nz.support.kinds) == {"eap", "union", "colleague", "friend"}
    assert any("Employee Assistance Programme" in line for line in nz.support.information)
    assert nz.support.source.startswith("Sexual Harassment Guidelines")


@pytest.mark.parametrize("support, key", [
    ({"routes": ["complaints"], "kinds": {"eap": "EAP"}, "information": ["x"]},
     "support.routes"),
    ({"kinds": {}, "information": ["x"]}, "support.kinds"),
    ({"kinds": {"eap": "EAP"}, "information": []}, "support.information"),
    ({"kinds": {"eap": "EAP"}, "information": ["x"], "phone": "1"}, "support"),
])
def test_a_bad_support_table_is_refused_by_name(clock_dir, support, key):
    data = raw_pack()
    data["support"] = support
    assert refused(data, clock_dir).key == key
