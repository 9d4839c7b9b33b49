"""Error messages in the request's language: the API (its clients choose by Accept-Language)
and the pages show the services' refusals, and each field's reason, in French where the pack
offers it (canada-federal), and in the same English as ever otherwise. The fields' KEYS, the
error codes and every other machine value stay as they are."""

from __future__ import annotations

import io
import re

import pytest

from tests.web.conftest import Browser, page

FR = {"Accept-Language": "fr"}
REASON = "The principal party is on extended sick leave until April."


@pytest.fixture
def hr_handler(sign_in, use_pack):
    """Under the canada-federal pack (English and French): a handler of the hr queue."""
    use_pack("canada-federal")
    return sign_in(("intake", "investigator", "decision_maker"), ("hr",))


def pause(api, reference: str, token: str, reason: str = REASON, headers=None):
    return api.post(f"/cases/{reference}/clocks/complete_resolution/pause", token=token,
                    json={"reason": reason}, headers=headers)


@pytest.mark.parametrize("headers, language, message, reason", [
    (FR, "fr", "Veuillez indiquer un motif.", "obligatoire"),
    (None, "en", "Please give a reason.", "required"),
    ({"Accept-Language": "en"}, "en", "Please give a reason.", "required"),
    ({"Accept-Language": "de, en;q=0.5"}, "en", "Please give a reason.", "required"),
])
def test_a_service_422_is_in_the_language_asked_with_the_field_key_unchanged(
        api, make, hr_handler, headers, language, message, reason):
    _, token = hr_handler
    lodged = make.lodge("harassment")
    answer = pause(api, lodged.reference, token, reason="   ", headers=headers)
    assert answer.status_code == 422
    assert answer.headers["Content-Language"] == language
    assert answer.get_json()["error"] == {
        "code": "invalid", "message": message, "fields": {"reason": reason}}


def test_a_schema_422_gives_each_fields_reason_in_french(api, use_pack):
    use_pack("canada-federal")
    body = {"route": "disclosure", "summary": "", "details": "x" * 50_001, "anonymous": "yes",
            "colour": "blue"}
    french = api.post("/reports", json=body, headers=FR)
    assert french.status_code == 422
    error = french.get_json()["error"]
    assert error["message"] == "Certains champs ne sont pas valides."
    assert error["fields"] == {
        "category": "Champ obligatoire",
        "summary": "Le texte doit compter au moins 1 caractère",
        "details": "Le texte doit compter au plus 50000 caractères",
        "anonymous": "La valeur doit être un booléen valide (true ou false)",
        "colour": "Les champs supplémentaires ne sont pas permis"}
    english = api.post("/reports", json=body).get_json()["error"]
    assert english["message"] == "Some fields do not validate."
    assert english["fields"] == {
        "category": "Field required", "summary": "String should have at least 1 character",
        "details": "String should have at most 50000 characters",
        "anonymous": "Input should be a valid boolean",
        "colour": "Extra inputs are not permitted"}


def test_our_own_validators_reason_is_in_french_too(api, sign_in, use_pack):
    use_pack("canada-federal")
    _, token = sign_in(("auditor",), ())
    french = api.get("/audit/events?from=0", token=token, headers=FR)
    assert french.status_code == 422
    assert french.get_json()["error"]["fields"] == {
        "from": "doit être une date écrite sous la forme AAAA-MM-JJ"}
    english = api.get("/audit/events?from=0", token=token)
    assert english.get_json()["error"]["fields"] == {
        "from": "Value error, must be a date written as YYYY-MM-DD"}


def test_a_404_and_a_409_in_french(api, make, hr_handler):
    _, token = hr_handler
    missing = api.get("/cases/NO-SUCH-CASE", token=token, headers=FR)
    assert missing.status_code == 404
    assert missing.get_json()["error"] == {"code": "not_found",
                                           "message": "Ce dossier n'existe pas."}
    lodged = make.lodge("harassment")
    assert pause(api, lodged.reference, token).status_code == 200
    again = pause(api, lodged.reference, token, headers=FR)
    assert again.status_code == 409
    assert again.get_json()["error"] == {
        "code": "conflict", "message": "Seule une échéance en cours peut être suspendue."}
    assert pause(api, lodged.reference, token).get_json()["error"]["message"] == \
        "Only a running deadline can be paused."


def test_a_refusal_defined_at_import_time_is_in_the_requests_language(api, make, sign_in,
                                                                      use_pack):
    use_pack("canada-federal")
    _, token = sign_in(("investigator",), ("hr",))
    lodged = make.lodge("harassment")
    french = pause(api, lodged.reference, token, headers=FR)
    assert french.status_code == 403
    assert french.get_json()["error"]["message"] == (
        "Seules les personnes chargées du dossier peuvent modifier ses échéances ou consigner "
        "ses étapes et ses renvois.")
    assert pause(api, lodged.reference, token).get_json()["error"]["message"] == (
        "Only the case's handlers may change its deadlines or record its milestones and "
        "referrals.")
    unsigned = api.get("/cases", headers=FR)
    assert unsigned.status_code == 401
    assert unsigned.get_json()["error"]["message"] == (
        "Connectez-vous d'abord : envoyez un jeton porteur (bearer) valide.")


def test_a_pack_offering_english_alone_answers_in_english(api, make, handler):
    _, token = handler  # the uk-council pack: English only
    answer = api.get("/cases/NO-SUCH-CASE", token=token, headers=FR)
    assert answer.status_code == 404
    assert answer.get_json()["error"]["message"] == "There is no such case."


def test_a_staff_form_refused_by_a_service_says_why_in_french(client, clock, account, make,
                                                              use_pack):
    use_pack("canada-federal")
    browser = Browser(client, clock)
    acc = account(("intake", "investigator", "decision_maker"), ("hr",))
    assert browser.sign_in(acc).status_code == 303
    case = make.case("harassment")
    path = f"/staff/cases/{case.reference}/clocks/complete_resolution/pause"
    form = {"version": str(case.version), "pause-complete_resolution-reason": REASON}
    assert browser.post(path, form).status_code == 303
    form["version"] = re.search(r'name="version" value="(\d+)"', page(browser.get(
        f"/staff/cases/{case.reference}"))).group(1)
    again = browser.post(path, form, headers=FR)
    assert again.status_code == 409
    assert "Seule une échéance en cours peut être suspendue." in page(again)
    assert "Only a running deadline" not in page(again)
    english = browser.post(path, form)
    assert "Only a running deadline can be paused." in page(english)


def test_a_refused_file_and_what_is_kept_are_told_in_french(api, make, use_pack):
    use_pack("canada-federal")
    lodged = make.lodge("harassment")
    token = api.reporter_token(lodged.reference, lodged.receipt)

    def upload(data: bytes, name: str, headers=None):
        return api.post("/reporter/attachments", token=token, headers=headers,
                        data={"file": (io.BytesIO(data), name)},
                        content_type="multipart/form-data")

    refused = upload(b"MZ\x90\x00", "tool.exe", FR)
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert error["message"].startswith("tool.exe n'a pas été enregistré. Les fichiers de type "
                                       ".exe ne sont pas acceptés.")
    assert list(error["fields"]) == ["file"]
    assert error["fields"]["file"].startswith("Les fichiers de type .exe ne sont pas acceptés.")
    kept = upload(b"Rota for week 9\n", "rota.txt", FR).get_json()
    assert (kept["removed"], kept["kept"]) == ("rien", (
        "ce type de fichier peut encore contenir des détails sur la personne qui l'a créé, "
        "et à quel moment"))
    assert upload(b"MZ\x90\x00", "tool.exe").get_json()["error"]["message"].startswith(
        "tool.exe was not stored. Files of type .exe are not accepted.")


def test_a_step_refused_by_the_workflow_is_in_french(api, make, hr_handler):
    _, token = hr_handler
    lodged = make.lodge("harassment")
    version = api.get(f"/cases/{lodged.reference}", token=token).get_json()["version"]
    unknown = api.post(f"/cases/{lodged.reference}/transitions", token=token, headers=FR,
                       json={"transition": "no_such_step", "version": version})
    assert unknown.status_code == 422
    assert unknown.get_json()["error"]["fields"] == {"transition": "étape inconnue"}
    english = api.post(f"/cases/{lodged.reference}/transitions", token=token,
                       json={"transition": "no_such_step", "version": version})
    assert english.get_json()["error"]["fields"] == {"transition": "unknown transition"}
