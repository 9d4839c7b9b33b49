"""Staff sign-in for the API, and administration of the directory and accounts."""

from __future__ import annotations

from casework.api import api, bearer, staff
from casework.api.schemas import Done, IdOut, PersonIn, StaffTokenIn, TokenOut, UserIn, UserOut
from casework.api.spec import operation
from casework.services import tokens
from casework.services.access import Staff
from casework.services.auth import staff_sign_in
from casework.services.errors import Forbidden
from casework.services.people import NewPerson, NewUser, create_person, create_user
from casework.web.edge import context
from casework.web.errors import error_body


@operation(api, "POST", "/auth/token", "Sign in; the TOTP code is required where set up",
           body=StaffTokenIn, response=TokenOut, errors=(401, 429), tags=("auth",))
def auth_token(body: StaffTokenIn):
    ctx = context()
    result = staff_sign_in(ctx, body.email, body.password, body.totp)
    if result.user is None:  # answered, not raised: the failed attempt must be committed
        return error_body("unauthorized", "Those sign-in details are not right."), 401
    issued = tokens.issue(ctx, user=result.user)
    return {"token": issued.token, "expires_at": issued.expires_at}


@operation(api, "DELETE", "/auth/token", "Revoke the token used for this request",
           auth="staff", response=Done, tags=("auth",))
def auth_revoke():
    staff()
    return {"ok": tokens.revoke(context(), bearer() or "")}


def _admin() -> Staff:
    actor = staff()
    if "admin" not in actor.roles:
        raise Forbidden("Only administrators may do that.")
    return actor


@operation(api, "POST", "/admin/people", "Add someone to the people directory", auth="staff",
           body=PersonIn, response=IdOut, status=201, errors=(403,), tags=("admin",))
def admin_people(body: PersonIn):
    actor = _admin()
    data = body.model_dump()
    data["roles"] = tuple(data["roles"])
    return {"id": create_person(context(), actor.label, NewPerson(**data)).id}


@operation(api, "POST", "/admin/users", "Create a staff account", auth="staff", body=UserIn,
           response=UserOut, status=201, errors=(403, 409), tags=("admin",))
def admin_users(body: UserIn):
    actor = _admin()
    created = create_user(context(), actor.label, NewUser(
        email=str(body.email), name=body.name, password=body.password, roles=tuple(body.roles),
        queues=tuple(body.queues), person_id=body.person_id))
    return {"id": created.user.id, "totp_secret": created.totp_secret}
