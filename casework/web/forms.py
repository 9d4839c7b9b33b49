"""Page forms (Flask-WTF: CSRF on every one). Domain validation stays in the services; these
only check shape, so a form and the API refuse the same things for the same reasons."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    PasswordField,
    RadioField,
    SearchField,
    SelectField,
    SelectMultipleField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from casework.i18n import _l
from casework.services.inputs import TEXT_RULE, choice_id, storable


class Form(FlaskForm):
    """Every page form: besides its own checks, no field may hold text the API would refuse
    (NUL and other control characters, broken surrogates), by the one rule in
    casework.services.inputs."""

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for field in self:
            values = field.data if isinstance(field.data, list) else [field.data]
            if any(isinstance(v, str) and not storable(v) for v in values):
                rule = str(TEXT_RULE)  # a lazy text (translated) or plain English
                field.errors = [*field.errors, rule[:1].upper() + rule[1:]]
                ok = False
        return ok


class CheckboxesField(SelectMultipleField):
    """A group of checkboxes (rendered as a fieldset by the page)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ReportForm(Form):
    """A new report, by the reporter or recorded by staff on their behalf."""

    route = RadioField(_l("What kind of concern is it?"), validators=[DataRequired(
        _l("Choose what kind of concern this is"))])
    category = SelectField(_l("What is it about?"), validators=[DataRequired(
        _l("Choose what the concern is about"))])
    summary = StringField(_l("In a sentence, what happened?"), validators=[
        DataRequired(_l("Say in a sentence what happened")), Length(max=300)])
    details = TextAreaField(_l("Tell us what happened"), validators=[
        DataRequired(_l("Tell us what happened")), Length(max=50_000)])
    occurred_on = DateField(_l("When did it happen? (if you know)"), validators=[Optional()])
    department = SelectField(_l("Where did it happen?"), validators=[Optional()])
    implicated_people = SelectMultipleField(_l("Who was involved? Choose from the directory"),
                                            coerce=choice_id, validators=[Optional()])
    implicated_names = TextAreaField(_l("Anyone else involved (one per line: name, and their job "
                                     "if you know it)"), validators=[Optional(),
                                                                    Length(max=2000)])
    witnesses = TextAreaField(_l("Did anyone else see it? (optional)"), validators=[
        Optional(), Length(max=2000)])
    evidence = MultipleFileField(_l("Evidence (optional)"))
    anonymous = RadioField(_l("Do you want to give your name?"), choices=[
        ("yes", _l("No, I want to stay anonymous")), ("no", _l("Yes, I will give my name"))],
        default="yes", validators=[DataRequired(_l("Choose whether to give your name"))])
    name = StringField(_l("Your name"), validators=[Optional(), Length(max=200)])
    email = EmailField(_l("Your email address (optional)"), validators=[Optional(),
                                                                      Length(max=320)])
    phone = TelField(_l("Your phone number (optional)"), validators=[Optional(), Length(max=40)])
    notify_by_email = BooleanField(_l("Email me when there is an update on my report"))
    relation = RadioField(_l("How do you know about it?"), validators=[Optional()])
    raise_with = RadioField(_l("Who would you like to raise it with?"), validators=[Optional()])
    statements = CheckboxesField(_l("Is any of this true? (optional)"), validators=[Optional()])
    support_kind = SelectField(_l("Who is your support person? (optional)"),
                               validators=[Optional()])
    support_name = StringField(_l("Their name"), validators=[Optional(), Length(max=200)])
    support_contact = StringField(_l("How we can reach them, if you want us to (optional)"),
                                  validators=[Optional(), Length(max=200)])
    reporter_person = SelectField(_l("Find yourself in the staff directory (optional)"),
                                  coerce=choice_id,
                                  validators=[Optional()])


class RecordForm(Form):
    """The reporter checks a record staff made of their report."""

    correct = BooleanField(_l("Something in the record is wrong or missing"))
    correction = TextAreaField(_l("What should it say?"), validators=[Optional(),
                                                                  Length(max=20_000)])


class ReturnForm(Form):
    """Coming back with reference and receipt."""

    reference = StringField(_l("Reference"), validators=[DataRequired(_l("Enter your reference")),
                                                     Length(max=64)])
    receipt = PasswordField(_l("Receipt"), validators=[DataRequired(_l("Enter your receipt")),
                                                   Length(max=128)])


class MessageForm(Form):
    """A message in the conversation."""

    body = TextAreaField(_l("Your message"), validators=[DataRequired(_l("Write a message")),
                                                     Length(max=20_000)])


class EvidenceForm(Form):
    """More evidence."""

    evidence = MultipleFileField(_l("Add evidence"))


class ActionForm(Form):
    """A step the reporter takes (no extra fields: the engine checks the rest)."""

    action = StringField(validators=[DataRequired()])


class SignInForm(Form):
    """Staff sign-in."""

    email = EmailField(_l("Email address"),
                       validators=[DataRequired(_l("Enter your email address"))],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password"))],
                             render_kw={"autocomplete": "current-password"})
    totp = StringField(_l("Code from your authenticator app"), validators=[Optional(),
                                                                       Length(max=12)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class ReasonForm(Form):
    """Anything that needs a written reason."""

    reason = TextAreaField(_l("Reason"), validators=[DataRequired(_l("Give a reason")),
                                                 Length(max=2000)])


class ReleaseNoticeForm(Form):
    """Tell the reporter, before it happens, that their identity is to be released."""

    ground = SelectField(_l("The ground in law for releasing it"), validators=[DataRequired(
        _l("Choose the ground"))])
    explanation = TextAreaField(_l("What the reporter reads: to whom, and why"), validators=[
        DataRequired(_l("Write what the reporter reads")), Length(max=2000)])


class ReleaseForm(Form):
    """Record the release the reporter was told of."""

    consulted = RadioField(_l("Was the reporter consulted first?"), choices=[
        ("consulted", _l("Yes, they were consulted")),
        ("not_practicable", _l("No: it was not practicable"))], validators=[Optional()])


class PauseForm(Form):
    """Pause a deadline, with a reason."""

    reason = TextAreaField(_l("Reason for the pause"), validators=[
        DataRequired(_l("Give a reason")), Length(max=2000)])


class ResumeForm(Form):
    """Start a paused deadline again (no fields: the case's version travels beside it)."""


class ExtendForm(Form):
    """Move a deadline later, with a reason."""

    due_on = DateField(_l("New due date"), invalid_value_message=(
        _l("Enter the new due date as a date, for example 31 March 2026")))
    reason = TextAreaField(_l("Reason for the extension"), validators=[
        DataRequired(_l("Give a reason")), Length(max=2000)])


class SupportForm(Form):
    """The reporter names (or changes) their support person from their page."""

    kind = SelectField(_l("Who is your support person?"), validators=[
        DataRequired(_l("Choose who your support person is"))])
    name = StringField(_l("Their name"), validators=[DataRequired(_l("Give their name")),
                                                 Length(max=200)])
    contact = StringField(_l("How we can reach them, if you want us to (optional)"),
                          validators=[Optional(), Length(max=200)])


class MilestoneForm(Form):
    """Record a step the law asks for that is not a change of stage."""

    milestone = SelectField(_l("Milestone reached"), validators=[DataRequired(
        _l("Choose what has been done"))])
    note = TextAreaField(_l("Note"), validators=[Length(max=2000)])
    on = DateField(_l("Date"), validators=[Optional()], invalid_value_message=(
        _l("Enter the date as a date, for example 31 March 2026")))


class ReferralForm(Form):
    """A referral made while the case stays open, or a decision not to refer (the service
    checks the body against the policy's list and asks for the reason)."""

    referred = RadioField(_l("Was the matter referred?"), choices=[
        ("yes", _l("Yes, it was referred")), ("no", _l("No, it is not being referred"))],
        validators=[DataRequired(_l("Say whether the matter was referred"))])
    matter = SelectField(_l("What this decides"))
    body = SelectField(_l("Referred to"))
    made_on = DateField(_l("Date of the referral"), validators=[Optional()],
                        invalid_value_message=(
                            _l("Enter the date as a date, for example 31 March 2026")))
    reference = StringField(_l("Their reference number"), validators=[Length(max=100)])
    reason = TextAreaField(_l("Why not referred (or a note on the referral)"),
                           validators=[Length(max=2000)])
    tell_reporter = BooleanField(_l("Tell the reporter which body and when"))


class CheckInForm(Form):
    """The reporter's answer to an aftercare check-in."""

    detriment = RadioField(_l("Have you experienced any detriment because you reported?"),
                           choices=[("yes", _l("Yes")), ("no", _l("No"))], validators=[
                               DataRequired(_l("Choose yes or no"))])
    details = TextAreaField(_l("What happened"), validators=[Optional(), Length(max=50_000)])


class AssignForm(Form):
    """Assign a colleague."""

    user_id = SelectField(_l("Colleague"), coerce=choice_id, validators=[DataRequired()])
    capacity = SelectField(_l("As"), choices=[("investigator", _l("Investigator")),
                                          ("handler", _l("Handler")),
                                          ("decision_maker", _l("Decision maker"))])


class NoteForm(Form):
    """A confidential note on a case."""

    body = TextAreaField(_l("Your note"), validators=[DataRequired(_l("Write the note")),
                                                  Length(max=20_000)])


class ImplicatedForm(Form):
    """Someone else implicated in a case: a directory person, or a typed name."""

    person_id = SelectField(_l("Choose from the directory"), coerce=choice_id, default=0,
                            validate_choice=False, validators=[Optional()])
    name = StringField(_l("Or type their name"), validators=[Optional(), Length(max=200)])
    role = StringField(_l("Their job, if you know it"), validators=[Optional(), Length(max=200)])


class CaseFilterForm(Form):
    """The case list's filters and order (a GET form: nothing changes, so no CSRF token)."""

    class Meta:
        csrf = False

    q = SearchField(_l("Words in the case"), validators=[Optional(), Length(max=200)])
    reference = SearchField(_l("Reference"), validators=[Optional(), Length(max=32)])
    route = SelectField(_l("Kind"), validators=[Optional()], default="")
    state = SelectField(_l("Stage"), validators=[Optional()], default="")
    queue = SelectField(_l("Queue"), validators=[Optional()], default="")
    category = SelectField(_l("Category"), validators=[Optional()], default="")
    assigned = BooleanField(_l("Assigned to me"))
    overdue = BooleanField(_l("Overdue only"))
    lodged_from = DateField(_l("Lodged from"), validators=[Optional()])
    lodged_to = DateField(_l("Lodged until"), validators=[Optional()])
    assigned_to = SelectField(_l("Assigned to"), coerce=choice_id, default=0,
                              validators=[Optional()])
    implicated = SelectField(_l("Person implicated"), coerce=choice_id, default=0,
                             validators=[Optional()])
    sort = SelectField(_l("Order"), default="newest", choices=[
        ("newest", _l("Opened, newest first")), ("oldest", _l("Opened, oldest first")),
        ("due", _l("Next due date first"))])


class PersonForm(Form):
    """A directory entry."""

    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter their name")),
                                               Length(max=200)])
    position = StringField(_l("Position"), validators=[DataRequired(_l("Enter their position")),
                                                   Length(max=200)])
    email = EmailField(_l("Email address (optional)"), validators=[Optional(), Length(max=320)])
    department = SelectField(_l("Department"), validators=[Optional()], default="")
    roles = CheckboxesField(_l("Roles that routing rules look at (optional)"),
                            validators=[Optional()])
    manager_id = SelectField(_l("Line manager"), coerce=choice_id, default=0,
                             validators=[Optional()])


class AccountForm(Form):
    """A staff account to invite (the person chooses their own password when they enrol)."""

    email = EmailField(_l("Email address"), validators=[DataRequired(_l("Enter an email address")),
                                                    Length(max=320)])
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter their name")),
                                               Length(max=200)])
    roles = CheckboxesField(_l("Roles"), validators=[DataRequired(_l("Choose at least one role"))])
    queues = CheckboxesField(_l("Queues (for roles that handle cases)"), validators=[Optional()])
    person_id = SelectField(_l("Their entry in the people directory"), coerce=choice_id, default=0,
                            validators=[Optional()])


class AccessForm(Form):
    """The roles and queues an account should have."""

    roles = CheckboxesField(_l("Roles"), validators=[Optional()])
    queues = CheckboxesField(_l("Queues (for roles that handle cases)"), validators=[Optional()])


class InvitationForm(Form):
    """The first step of enrolling: the invitation an administrator gave."""

    invitation = StringField(_l("Invitation"), validators=[
        DataRequired(_l("Enter the invitation you were given")), Length(max=64)])


class EnrolForm(Form):
    """The second step: a password (or, for a reset, the current one) and a first code."""

    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter a password")),
                                                     Length(max=1024)],
                             render_kw={"autocomplete": "new-password"})
    password_again = PasswordField(_l("The same password again"), validators=[Optional(),
                                                                          Length(max=1024)],
                                   render_kw={"autocomplete": "new-password"})
    code = StringField(_l("Code from your authenticator app"), validators=[
        DataRequired(_l("Enter the six-digit code your app shows")), Length(max=12)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class TriageForm(Form):
    """Put a misfiled case right: its kind, category, department or queue, with a reason."""

    route = SelectField(_l("Kind of report"), validators=[Optional()], validate_choice=False)
    category = SelectField(_l("Category"), validators=[DataRequired(_l("Choose a category"))])
    department = SelectField(_l("Department"), validators=[Optional()], default="")
    queue = SelectField(_l("Queue"), validators=[Optional()], default="")
    reason = TextAreaField(_l("Why are you changing it?"), validators=[
        DataRequired(_l("Say why you are changing it")), Length(max=2000)])


class LinkForm(Form):
    """Link a case to another: related, or a duplicate to merge into it."""

    reference = StringField(_l("Reference of the other case"), validators=[
        DataRequired(_l("Enter the other case's reference")), Length(max=32)])
    kind = RadioField(_l("How are they linked?"), choices=[
        ("related", _l("Related: a connected matter. Both cases stay open, and each shows the "
                    "other.")),
        ("duplicate", _l("Duplicate: this case repeats the other one. Merge this case into it: "
                      "this case closes as merged, and its reporter is told and keeps their "
                      "conversation here."))],
        validators=[DataRequired(_l("Choose how the cases are linked"))])
