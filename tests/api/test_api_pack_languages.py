"""The packs' own words in the API: its JSON is the English text whatever language the client
asks for (Accept-Language chooses the language of error messages, never of keys or pack
words a program reads)."""

from __future__ import annotations

FRENCH = {"Accept-Language": "fr"}


def test_meta_stays_english_for_a_client_that_asks_for_french(api, use_pack):
    use_pack("canada-federal")  # it offers English and French
    english = api.get("/meta").get_json()
    french = api.get("/meta", headers=FRENCH)
    assert french.status_code == 200 and french.headers["Content-Language"] == "fr"
    assert french.get_json() == english
    labels = {c["key"]: c["label"] for c in english["categories"]}
    assert labels["misuse_of_funds"] == "Misuse of public funds or public assets"
    assert "The Public Sector Integrity Commissioner (PSIC)" in english["external_bodies"]
    assert "Commissariat" not in french.get_data(as_text=True)


def test_a_workflow_stays_english_for_a_client_that_asks_for_french(api, use_pack):
    use_pack("canada-federal")
    body = api.get("/workflows/disclosure", headers=FRENCH)
    assert body.status_code == 200 and body.headers["Content-Language"] == "fr"
    assert body.get_json() == api.get("/workflows/disclosure").get_json()
    assert body.get_json()["label"] == "Public interest disclosure (whistleblowing)"
    assert "Divulgation" not in body.get_data(as_text=True)
