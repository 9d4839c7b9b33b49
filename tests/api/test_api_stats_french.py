"""The statistics API's error messages in the client's language (Accept-Language), on a site
that offers English and French; the keys stay as they are."""

from __future__ import annotations

from dataclasses import replace

from tests.api.test_api_stats import auth, year_2026  # noqa: F401  (the finished year)


def test_a_refused_request_is_explained_in_french(api, sign_in, runtime, year_2026):  # noqa: F811
    runtime.settings = replace(runtime.settings, languages=("en", "fr"))
    _, token = sign_in(("hr_analyst",), ())
    french = {**auth(token), "Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"}
    answer = api.get("/stats?by=department,category&period=2026", headers=french)
    assert answer.status_code == 422
    assert answer.headers["Content-Language"] == "fr"
    error = answer.get_json()["error"]
    assert error["code"] == "invalid"  # codes and field keys stay as they are
    assert error["message"] == "La demande de statistiques doit être corrigée."
    assert error["fields"]["by"].startswith("le service et la file ne sont publiés que seuls")
    english = api.get("/stats?by=department,category&period=2026", headers=auth(token))
    assert english.get_json()["error"]["message"] == "The statistics request needs attention."
