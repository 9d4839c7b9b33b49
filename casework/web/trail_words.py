"""Plain words for the audit trail's kinds of event, for the auditor's pages (the trail itself,
the API and the CSV keep the kinds, `source:subject:action`)."""

from __future__ import annotations

from casework.i18n import N_, _
from casework.services.audit import Kind

KIND_WORDS = {
    Kind.CASE_LODGE: N_("A report was lodged"),
    Kind.CASE_VIEW: N_("A case was opened and read"),
    Kind.CASE_ROUTE: N_("A case was routed to a queue"),
    Kind.CASE_TRANSITION: N_("A step was taken on a case"),
    Kind.CASE_ASSIGN: N_("Someone was assigned to a case"),
    Kind.CASE_RECUSE: N_("Someone declared a conflict and stepped back"),
    Kind.NOTE_ADD: N_("A confidential note was added"),
    Kind.NOTE_READ: N_("Confidential notes were read"),
    Kind.MESSAGE_ADD: N_("A message was written"),
    Kind.MESSAGE_READ: N_("Messages were read"),
    Kind.ATTACHMENT_ADD: N_("Evidence was added"),
    Kind.ATTACHMENT_READ: N_("Evidence was opened"),
    Kind.IDENTITY_REVEAL: N_("The reporter's identity was revealed"),
    Kind.IDENTITY_REFUSED: N_("Revealing the reporter's identity was refused"),
    Kind.ACCESS_REFUSED: N_("An action on a case was refused"),
    Kind.CASE_FALLBACK: N_("A case nobody could see moved to its fallback queue"),
    Kind.CASE_HANDOFF: N_("A case was handed over to a body outside the organisation"),
    Kind.CASE_EXPORT: N_("A handed-over case file was exported"),
    Kind.CASE_FILE: N_("A case file (PDF) was made for a body outside the organisation"),
    Kind.REPORTER_CONTACT_USED: N_("The reporter's contact details were used to tell them"),
    Kind.RECORD_DAMAGED: N_("A damaged record was found"),
    Kind.CLOCK_CHANGE: N_("A deadline was changed or a milestone recorded"),
    Kind.CHECKIN_ANSWER: N_("The reporter answered a check-in"),
    Kind.CASE_TRIAGE: N_("A case's category, kind, department or queue was changed at triage"),
    Kind.CASE_LINK: N_("A case was linked to another, or merged into it"),
    Kind.HOLD_PLACE: N_("A legal hold was placed on a case"),
    Kind.HOLD_LIFT: N_("A legal hold was lifted"),
    Kind.REFERRAL_RECORD: N_("A referral, or a decision not to refer, was recorded"),
    Kind.CASE_ESCALATE: N_("A zero-tolerance report was escalated at once"),
    Kind.SUPPORT_NAMED: N_("The reporter named a support person (who it is stays sealed)"),
    Kind.NAME_MATCH: N_("A typed name matched someone in the directory, who cannot see the case"),
    Kind.CASE_TITLE: N_("A case's title was set or cleared"),
    Kind.CASE_SEARCH: N_("The case list was searched by words or by someone implicated"),
    Kind.CASE_LIST_EXPORT: N_("A case's list entry was exported as CSV"),
    Kind.REPORTER_LOGIN: N_("A reporter signed in"),
    Kind.REPORTER_LOGIN_FAIL: N_("A reporter could not sign in"),
    Kind.LOGIN: N_("A staff member signed in"),
    Kind.LOGIN_FAIL: N_("A staff sign-in failed"),
    Kind.LOGOUT: N_("A staff member signed out"),
    Kind.OIDC_LINK: N_("An account was linked to its identity at the single sign-on provider"),
    Kind.ENROL: N_("An account was enrolled"),
    Kind.ENROL_FAIL: N_("An enrolment failed"),
    Kind.USER_CREATE: N_("An account was created"),
    Kind.USER_INVITE: N_("Someone was invited to have an account"),
    Kind.USER_ACCESS: N_("An account's roles or queues were changed"),
    Kind.USER_DEACTIVATE: N_("An account was deactivated"),
    Kind.INVITATION_ISSUE: N_("An invitation was issued"),
    Kind.GRANT_REQUEST: N_("Access was asked for"),
    Kind.GRANT_APPROVE: N_("A request for access was approved"),
    Kind.GRANT_REFUSE: N_("A request for access was refused"),
    Kind.GRANT_WITHDRAW: N_("A request for access was withdrawn"),
    Kind.PERSON_CREATE: N_("A person was added to the directory"),
    Kind.PERSON_UPDATE: N_("A person's directory entry was changed"),
    Kind.EXPORT: N_("A statistics table was published or downloaded"),
    Kind.KEYS_ROTATE: N_("The encryption key was changed"),
    Kind.KEYS_REKEY: N_("Every case key was wrapped under a new key"),
    Kind.RETENTION_PURGE: N_("Cases were destroyed under the retention policy"),
    Kind.AUDIT_VERIFY: N_("The audit trail was checked"),
    Kind.AUDIT_READ: N_("The audit trail was read"),
    Kind.AUDIT_EXPORT: N_("The audit trail was downloaded"),
    Kind.REMINDERS_SENT: N_("Deadline reminders were sent"),
}

#: The first part of a kind: every event from one source.
SOURCE_WORDS = {
    "case": N_("Anything on a case"),
    "auth": N_("Signing in and out, enrolment"),
    "admin": N_("Accounts, access and the directory"),
    "stats": N_("Statistics"),
    "keys": N_("Encryption keys"),
    "retention": N_("Retention"),
    "audit": N_("The audit trail itself"),
    "notify": N_("Reminders"),
}


def kind_words(kind: str) -> str:
    """A kind of event in plain words (the kind itself if it has none)."""
    return _(KIND_WORDS[kind]) if kind in KIND_WORDS else kind


def kind_choices() -> dict[str | None, list[tuple[str, str]]]:
    """The choices of the "what happened" filter: anything, every event from one source, or
    one kind (grouped, for a select)."""
    sources = sorted({str(k).split(":")[0] for k in Kind})
    return {
        None: [("", _("Anything"))],
        _("Every event of one sort"): [(f"{s}:", _(SOURCE_WORDS[s]) if s in SOURCE_WORDS
                                        else s) for s in sources],
        _("One kind of event"): sorted(((str(k), _(words)) for k, words in KIND_WORDS.items()),
                                       key=lambda choice: choice[1]),
    }
