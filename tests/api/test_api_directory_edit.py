"""PUT /admin/people/{id}: administrators change a directory entry (docs/API.md)."""

from __future__ import annotations

from casework.models import Person


def test_the_api_changes_an_entry(api, sign_in, make, ctx):
    person = make.person("Pat Person", position="Officer")
    _, token = sign_in(("admin",), ())
    done = api.call("PUT", f"/admin/people/{person}", token=token, json={
        "name": "Pat Person", "position": "Head of Parks", "roles": ["director"],
        "department": "finance"})
    assert done.status_code == 200 and done.get_json() == {"id": person}
    ctx.session.expire_all()
    changed = ctx.session.get(Person, person)
    assert (changed.position, changed.roles, changed.department) == (
        "Head of Parks", ["director"], "finance")
    assert api.call("PUT", "/admin/people/987654", token=token, json={
        "name": "A", "position": "B"}).status_code == 404
    bad = api.call("PUT", f"/admin/people/{person}", token=token, json={
        "name": "A", "position": "B", "manager_id": person})
    assert bad.status_code == 422 and "manager_id" in bad.get_json()["error"]["fields"]
    _, other = sign_in(("intake",), ("intake",))
    assert api.call("PUT", f"/admin/people/{person}", token=other, json={
        "name": "A", "position": "B"}).status_code == 403
