"""Plain words for the audit trail's kinds of event, for the auditor's pages (the trail itself,
the API and the CSV keep the kinds, `source:subject:action`)."""

from __future__ import annotations

from casework.services.audit import Kind

KIND_WORDS = {
    Kind.CASE_LODGE: "A report was lodged",
    Kind.CASE_VIEW: "A case was opened and read",
    Kind.CASE_ROUTE: "A case was routed to a queue",
    Kind.CASE_TRANSITION: "A step was taken on a case",
    Kind.CASE_ASSIGN: "Someone was assigned to a case",
    Kind.CASE_RECUSE: "Someone declared a conflict and stepped back",
    Kind.NOTE_ADD: "A confidential note was added",
    Kind.NOTE_READ: "Confidential notes were read",
    Kind.MESSAGE_ADD: "A message was written",
    Kind.MESSAGE_READ: "Messages were read",
    Kind.ATTACHMENT_ADD: "Evidence was added",
    Kind.ATTACHMENT_READ: "Evidence was opened",
    Kind.IDENTITY_REVEAL: "The reporter's identity was revealed",
    Kind.IDENTITY_REFUSED: "Revealing the reporter's identity was refused",
    Kind.ACCESS_REFUSED: "An action on a case was refused",
    Kind.CASE_FALLBACK: "A case nobody could see moved to its fallback queue",
    Kind.CASE_HANDOFF: "A case was handed over to a body outside the organisation",
    Kind.CASE_EXPORT: "A handed-over case file was exported",
    Kind.CASE_FILE: "A case file (PDF) was made for a body outside the organisation",
    Kind.REPORTER_CONTACT_USED: "The reporter's contact details were used to tell them",
    Kind.RECORD_DAMAGED: "A damaged record was found",
    Kind.CLOCK_CHANGE: "A deadline was changed or a milestone recorded",
    Kind.CHECKIN_ANSWER: "The reporter answered a check-in",
    Kind.CASE_TRIAGE: "A case's category, kind, department or queue was changed at triage",
    Kind.CASE_LINK: "A case was linked to another, or merged into it",
    Kind.HOLD_PLACE: "A legal hold was placed on a case",
    Kind.HOLD_LIFT: "A legal hold was lifted",
    Kind.REFERRAL_RECORD: "A referral, or a decision not to refer, was recorded",
    Kind.CASE_ESCALATE: "A zero-tolerance report was escalated at once",
    Kind.SUPPORT_NAMED: "The reporter named a support person (who it is stays sealed)",
    Kind.NAME_MATCH: "A typed name matched someone in the directory, who cannot see the case",
    Kind.CASE_TITLE: "A case's title was set or cleared",
    Kind.CASE_SEARCH: "The case list was searched by words or by someone implicated",
    Kind.CASE_LIST_EXPORT: "A case's list entry was exported as CSV",
    Kind.REPORTER_LOGIN: "A reporter signed in",
    Kind.REPORTER_LOGIN_FAIL: "A reporter could not sign in",
    Kind.LOGIN: "A staff member signed in",
    Kind.LOGIN_FAIL: "A staff sign-in failed",
    Kind.LOGOUT: "A staff member signed out",
    Kind.OIDC_LINK: "An account was linked to its identity at the single sign-on provider",
    Kind.ENROL: "An account was enrolled",
    Kind.ENROL_FAIL: "An enrolment failed",
    Kind.USER_CREATE: "An account was created",
    Kind.USER_INVITE: "Someone was invited to have an account",
    Kind.USER_ACCESS: "An account's roles or queues were changed",
    Kind.USER_DEACTIVATE: "An account was deactivated",
    Kind.INVITATION_ISSUE: "An invitation was issued",
    Kind.GRANT_REQUEST: "Access was asked for",
    Kind.GRANT_APPROVE: "A request for access was approved",
    Kind.GRANT_REFUSE: "A request for access was refused",
    Kind.GRANT_WITHDRAW: "A request for access was withdrawn",
    Kind.PERSON_CREATE: "A person was added to the directory",
    Kind.PERSON_UPDATE: "A person's directory entry was changed",
    Kind.EXPORT: "A statistics table was published or downloaded",
    Kind.KEYS_ROTATE: "The encryption key was changed",
    Kind.KEYS_REKEY: "Every case key was wrapped under a new key",
    Kind.RETENTION_PURGE: "Cases were destroyed under the retention policy",
    Kind.AUDIT_VERIFY: "The audit trail was checked",
    Kind.AUDIT_READ: "The audit trail was read",
    Kind.AUDIT_EXPORT: "The audit trail was downloaded",
    Kind.REMINDERS_SENT: "Deadline reminders were sent",
}

#: The first part of a kind: every event from one source.
SOURCE_WORDS = {
    "case": "Anything on a case",
    "auth": "Signing in and out, enrolment",
    "admin": "Accounts, access and the directory",
    "stats": "Statistics",
    "keys": "Encryption keys",
    "retention": "Retention",
    "audit": "The audit trail itself",
    "notify": "Reminders",
}


def kind_words(kind: str) -> str:
    """A kind of event in plain words (the kind itself if it has none)."""
    return KIND_WORDS.get(kind, kind)


def kind_choices() -> dict[str | None, list[tuple[str, str]]]:
    """The choices of the "what happened" filter: anything, every event from one source, or
    one kind (grouped, for a select)."""
    sources = sorted({str(k).split(":")[0] for k in Kind})
    return {
        None: [("", "Anything")],
        "Every event of one sort": [(f"{s}:", SOURCE_WORDS.get(s, s)) for s in sources],
        "One kind of event": sorted(((str(k), words) for k, words in KIND_WORDS.items()),
                                    key=lambda choice: choice[1]),
    }
