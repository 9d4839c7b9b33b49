"""The inbox through the API (docs/API.md, "Staff: the inbox"): a reporter's reply lands in
the handler's inbox, an item is read per person, and another's item, or one about a case the
caller can no longer open, is a 404."""

from __future__ import annotations


def test_a_reporter_s_reply_is_in_the_handler_s_inbox_until_read(api, make, handler,
                                                                  sign_in):
    _, token = handler
    lodged = make.lodge("disclosure")
    reporter = api.reporter_token(lodged.reference, lodged.receipt)
    assert api.post("/reporter/messages", token=reporter,
                    json={"body": "Last Tuesday."}).status_code == 201
    items = api.get("/inbox", token=token).get_json()
    assert [(i["kind"], i["reference"], i["read"]) for i in items] == [
        ("reporter_message", lodged.reference, False), ("new_report", lodged.reference, False)]
    assert "Last Tuesday" not in str(items)
    read = api.post(f"/inbox/{items[0]['id']}/read", token=token)
    assert read.status_code == 200 and read.get_json()["read"] is True
    unread = api.get("/inbox?unread=true", token=token).get_json()
    assert [i["kind"] for i in unread] == ["new_report"]
    _, other = sign_in(("intake",), ("intake",))
    assert api.post(f"/inbox/{items[1]['id']}/read", token=other).status_code == 404
    assert api.get("/inbox", token=other).get_json() == []  # came after the report


def test_an_item_about_a_case_the_caller_no_longer_sees_is_gone(api, make, sign_in):
    account, token = sign_in(("intake",), ("intake",))
    lodged = make.lodge("disclosure")
    [item] = api.get("/inbox", token=token).get_json()
    recused = api.post(f"/cases/{lodged.reference}/recusal", token=token,
                       json={"reason": "my brother works there"})
    assert recused.status_code in (200, 204)
    assert api.get("/inbox", token=token).get_json() == []
    assert api.post(f"/inbox/{item['id']}/read", token=token).status_code == 404


def test_the_inbox_needs_a_staff_token(api, make):
    lodged = make.lodge("disclosure")
    reporter = api.reporter_token(lodged.reference, lodged.receipt)
    assert api.get("/inbox").status_code == 401
    assert api.get("/inbox", token=reporter).status_code == 401
    assert api.get("/inbox?unread=maybe", token=None).status_code == 401


def test_a_bad_filter_is_422(api, handler):
    _, token = handler
    response = api.get("/inbox?unread=maybe", token=token)
    assert response.status_code == 422 and "unread" in response.get_json()["error"]["fields"]
