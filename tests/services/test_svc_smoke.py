"""The happy paths through both routes, end to end through the services."""

from casework.services.transitions import fire_transition


def test_disclosure_walks_to_closed_with_the_finding_as_outcome(make):
    case = make.case("disclosure", path=["acknowledge", "accept_for_investigation",
                                          "record_findings", "record_action", "give_feedback"])
    assert (case.state, case.outcome) == ("closed", "substantiated")
    assert case.closed_at is not None


def test_each_transition_bumps_the_version_once(make, ctx):
    case = make.case("harassment")
    boss = make.staff(roles=("intake",), queues=(case.queue,))
    before = case.version
    fire_transition(ctx, boss, case.reference, "acknowledge", case.version)
    assert case.version == before + 1
