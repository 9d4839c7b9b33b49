"""The full-knowledge attack (issue 19) through the services: a year of cases with small groups
in every dimension, every table an analyst may publish over nested periods, with measures,
then an integer program over the finest groups for every small count."""

import json
import os

import pytest

from casework.services.stats_sql import DIMENSION_LABELS, domains, feasible
from tests.stats.attack import attack
from tests.stats.organisation import NOW, designed, make_organisation, publish_plan, records


@pytest.fixture
def analyst(make):
    return make.staff(roles=("hr_analyst",), queues=())


def test_an_attacker_with_every_table_and_one_case_learns_no_small_count(ctx, make, clock,
                                                                          analyst):
    cases = make_organisation(make, clock, designed())
    bodies = publish_plan(ctx, analyst)
    truth = records(ctx, list(DIMENSION_LABELS))
    insider = next(r for r in truth if r["category"] == "victimisation")
    target = os.environ.get("CASEWORK_ATTACK_DUMP")
    if target:
        with open(target, "w") as out:
            json.dump({"bodies": bodies, "records": truth, "now": NOW.isoformat()}, out)
    figures = attack(bodies, truth, domains(ctx), feasible(ctx),
                     ctx.runtime.pack.fiscal_year_start_month, insider=insider)
    refused = [(b["period"], b["by"]) for b in bodies if b.get("withheld")]
    print(f"\n{len(bodies)} tables over {len(cases)} cases, {len(refused)} refused: {figures}")
    for found in figures.narrowed + figures.exact + figures.existence:
        print("   ", found)
    assert len(cases) >= 100 and len(bodies) >= 30
    assert len(refused) <= len(bodies) // 6, refused  # the analyst still gets their tables
    assert figures.narrowed == [] and figures.exact == [] and figures.existence == []
