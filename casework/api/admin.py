"""Staff sign-in and enrolment for the API, and administration: the directory, accounts (by
invitation) and grants of access waiting for approval."""

from __future__ import annotations

from dataclasses import asdict

from casework.api import anyone, api, bearer, staff
from casework.api.schemas import (
    AccountAccessIn,
    AccountAccessOut,
    AccountOut,
    Done,
    EnrolIn,
    EnrolOut,
    GrantOut,
    GrantQuery,
    IdOut,
    InvitationOut,
    PersonIn,
    StaffTokenIn,
    StateOnly,
    TokenOut,
    UserIn,
)
from casework.api.spec import operation
from casework.i18n import _
from casework.services import accounts, grants, invitations, tokens
from casework.services.auth import staff_sign_in
from casework.services.directory import list_accounts, require_admin
from casework.services.inputs import path_id
from casework.services.people import NewPerson, create_person, update_person
from casework.services.totp import otpauth_uri
from casework.web.edge import context
from casework.web.errors import error_body

ADMIN = ("admin",)
ACCOUNT = (403, 404, 409)


@operation(api, "POST", "/auth/token", "Sign in: email, password and the TOTP code (every "
           "staff account has a second factor)", body=StaffTokenIn, response=TokenOut,
           errors=(401, 429), tags=("auth",))
def auth_token(body: StaffTokenIn):
    ctx = context()
    result = staff_sign_in(ctx, body.email, body.password, body.totp, body.device)
    if result.user is None:  # answered, not raised: the failed attempt must be committed
        return error_body("unauthorized", _("Those sign-in details are not right.")), 401
    issued = tokens.issue(ctx, user=result.user)
    return {"token": issued.token, "expires_at": issued.expires_at, "device": result.device}


@operation(api, "DELETE", "/auth/token", "Revoke the token used for this request (a staff "
           "or a reporter token)", auth="any", response=Done, tags=("auth",))
def auth_revoke():
    anyone()
    return {"ok": tokens.revoke(context(), bearer() or "")}


@operation(api, "POST", "/auth/enrol", "Enrol with a one-time invitation: choose a password "
           "(for a reset invitation, give the current one) and receive the TOTP secret once",
           body=EnrolIn, response=EnrolOut, errors=(401, 429), tags=("auth",))
def auth_enrol(body: EnrolIn):
    ctx = context()
    enrolled = invitations.enrol(ctx, body.invitation, body.password)
    return {"totp_secret": enrolled.totp_secret, "otpauth_uri": otpauth_uri(
        enrolled.totp_secret, enrolled.user.email, ctx.runtime.pack.organisation)}


@operation(api, "POST", "/admin/people", "Add someone to the people directory", auth="staff",
           body=PersonIn, response=IdOut, status=201, errors=(403,), tags=ADMIN)
def admin_people(body: PersonIn):
    actor = staff()
    require_admin(actor)
    data = body.model_dump()
    data["roles"] = tuple(data["roles"])
    return {"id": create_person(context(), actor.label, NewPerson(**data)).id}


@operation(api, "PUT", "/admin/people/{id}", "Change someone's directory entry (every field, "
           "as when added; audited with the names of the fields changed)", auth="staff",
           body=PersonIn, response=IdOut, errors=(403, 404), tags=ADMIN)
def admin_person(id: str, body: PersonIn):  # noqa: A002  (the path's name)
    number = path_id(id, _("There is no such person in the directory."))
    data = body.model_dump()
    data["roles"] = tuple(data["roles"])
    return {"id": update_person(context(), staff(), number, NewPerson(**data)).id}


@operation(api, "GET", "/admin/users", "Every staff account (never a password or secret)",
           auth="staff", response=AccountOut, many=True, errors=(403,), tags=ADMIN)
def admin_users_index():
    return [asdict(row) for row in list_accounts(context(), staff())]


@operation(api, "POST", "/admin/users", "Invite someone: a new account and its one-time "
           "invitation; roles and queues that reach cases wait for approval", auth="staff",
           body=UserIn, response=InvitationOut, status=201, errors=(403, 409), tags=ADMIN)
def admin_users(body: UserIn):
    ctx, actor = context(), staff()
    invited = accounts.invite_user(ctx, actor, accounts.NewAccount(
        email=str(body.email), name=body.name, roles=tuple(body.roles),
        queues=tuple(body.queues), person_id=body.person_id))
    return {"id": invited.user.id, **_invitation(invited.invitation),
            "pending": _grants(ctx, actor, invited.pending)}


@operation(api, "PUT", "/admin/users/{id}/access", "Set an account's roles and queues: "
           "removals at once, additions that reach cases wait for approval", auth="staff",
           body=AccountAccessIn, response=AccountAccessOut, errors=ACCOUNT, tags=ADMIN)
def admin_user_access(id: str, body: AccountAccessIn):
    ctx, actor = context(), staff()
    change = accounts.change_access(ctx, actor, path_id(id), body.roles, body.queues)
    return {"id": change.user.id, "roles": sorted(change.user.roles),
            "queues": sorted(change.user.queues), "pending": _grants(ctx, actor, change.pending)}


@operation(api, "POST", "/admin/users/{id}/invitation", "A new invitation: replaces an unused "
           "one, or resets an enrolled account's second factor (its sessions end)",
           auth="staff", response=InvitationOut, status=201, errors=ACCOUNT, tags=ADMIN)
def admin_user_invitation(id: str):
    return {"id": path_id(id), **_invitation(accounts.reinvite(context(), staff(), path_id(id)))}


@operation(api, "POST", "/admin/users/{id}/deactivate", "Deactivate an account: its tokens "
           "and sessions end at once", auth="staff", response=Done, errors=ACCOUNT, tags=ADMIN)
def admin_user_deactivate(id: str):
    accounts.deactivate(context(), staff(), path_id(id))
    return {"ok": True}


@operation(api, "GET", "/admin/grants", "Grants of access (administrators: all; queue "
           "owners: their queues')", auth="staff", query=GrantQuery, response=GrantOut,
           many=True, errors=(403,), tags=ADMIN)
def admin_grants(query: GrantQuery):
    state = None if query.state == "all" else query.state
    return [asdict(row) for row in grants.list_grants(context(), staff(), state)]


@operation(api, "POST", "/admin/grants/{id}/approve", "Approve a grant (its queue's owner, or "
           "a second administrator)", auth="staff", response=StateOnly, errors=ACCOUNT,
           tags=ADMIN)
def admin_grant_approve(id: str):
    return {"state": grants.decide(context(), staff(), path_id(id), approve=True).state}


@operation(api, "POST", "/admin/grants/{id}/refuse", "Refuse a grant (its queue's owner, or "
           "a second administrator)", auth="staff", response=StateOnly, errors=ACCOUNT,
           tags=ADMIN)
def admin_grant_refuse(id: str):
    return {"state": grants.decide(context(), staff(), path_id(id), approve=False).state}


def _invitation(issued: invitations.Issued) -> dict:
    return {"invitation": issued.code, "expires_at": issued.expires_at,
            "purpose": issued.purpose}


def _grants(ctx, actor, made) -> list[dict]:
    return [asdict(row) for row in grants.described(ctx, actor, made)]
