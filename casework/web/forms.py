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
                field.errors = [*field.errors, TEXT_RULE[:1].upper() + TEXT_RULE[1:]]
                ok = False
        return ok


class CheckboxesField(SelectMultipleField):
    """A group of checkboxes (rendered as a fieldset by the page)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ReportForm(Form):
    """A new report, by the reporter or recorded by staff on their behalf."""

    route = RadioField("What kind of concern is it?", validators=[DataRequired(
        "Choose what kind of concern this is")])
    category = SelectField("What is it about?", validators=[DataRequired(
        "Choose what the concern is about")])
    summary = StringField("In a sentence, what happened?", validators=[
        DataRequired("Say in a sentence what happened"), Length(max=300)])
    details = TextAreaField("Tell us what happened", validators=[
        DataRequired("Tell us what happened"), Length(max=50_000)])
    occurred_on = DateField("When did it happen? (if you know)", validators=[Optional()])
    department = SelectField("Where did it happen?", validators=[Optional()])
    implicated_people = SelectMultipleField("Who was involved? Choose from the directory",
                                            coerce=choice_id, validators=[Optional()])
    implicated_names = TextAreaField("Anyone else involved (one per line: name, and their job "
                                     "if you know it)", validators=[Optional(),
                                                                    Length(max=2000)])
    witnesses = TextAreaField("Did anyone else see it? (optional)", validators=[
        Optional(), Length(max=2000)])
    evidence = MultipleFileField("Evidence (optional)")
    anonymous = RadioField("Do you want to give your name?", choices=[
        ("yes", "No, I want to stay anonymous"), ("no", "Yes, I will give my name")],
        default="yes", validators=[DataRequired("Choose whether to give your name")])
    name = StringField("Your name", validators=[Optional(), Length(max=200)])
    email = EmailField("Your email address (optional)", validators=[Optional(),
                                                                      Length(max=320)])
    phone = TelField("Your phone number (optional)", validators=[Optional(), Length(max=40)])
    notify_by_email = BooleanField("Email me when there is an update on my report")
    relation = RadioField("How do you know about it?", validators=[Optional()])
    raise_with = RadioField("Who would you like to raise it with?", validators=[Optional()])
    statements = CheckboxesField("Is any of this true? (optional)", validators=[Optional()])
    support_kind = SelectField("Who is your support person? (optional)",
                               validators=[Optional()])
    support_name = StringField("Their name", validators=[Optional(), Length(max=200)])
    support_contact = StringField("How we can reach them, if you want us to (optional)",
                                  validators=[Optional(), Length(max=200)])
    reporter_person = SelectField("Find yourself in the staff directory (optional)",
                                  coerce=choice_id,
                                  validators=[Optional()])


class RecordForm(Form):
    """The reporter checks a record staff made of their report."""

    correct = BooleanField("Something in the record is wrong or missing")
    correction = TextAreaField("What should it say?", validators=[Optional(),
                                                                  Length(max=20_000)])


class ReturnForm(Form):
    """Coming back with reference and receipt."""

    reference = StringField("Reference", validators=[DataRequired("Enter your reference"),
                                                     Length(max=64)])
    receipt = PasswordField("Receipt", validators=[DataRequired("Enter your receipt"),
                                                   Length(max=128)])


class MessageForm(Form):
    """A message in the conversation."""

    body = TextAreaField("Your message", validators=[DataRequired("Write a message"),
                                                     Length(max=20_000)])


class EvidenceForm(Form):
    """More evidence."""

    evidence = MultipleFileField("Add evidence")


class ActionForm(Form):
    """A step the reporter takes (no extra fields: the engine checks the rest)."""

    action = StringField(validators=[DataRequired()])


class SignInForm(Form):
    """Staff sign-in."""

    email = EmailField("Email address", validators=[DataRequired("Enter your email address")],
                       render_kw={"autocomplete": "username"})
    password = PasswordField("Password", validators=[DataRequired("Enter your password")],
                             render_kw={"autocomplete": "current-password"})
    totp = StringField("Code from your authenticator app", validators=[Optional(),
                                                                       Length(max=12)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class ReasonForm(Form):
    """Anything that needs a written reason."""

    reason = TextAreaField("Reason", validators=[DataRequired("Give a reason"),
                                                 Length(max=2000)])


class ReleaseNoticeForm(Form):
    """Tell the reporter, before it happens, that their identity is to be released."""

    ground = SelectField("The ground in law for releasing it", validators=[DataRequired(
        "Choose the ground")])
    explanation = TextAreaField("What the reporter reads: to whom, and why", validators=[
        DataRequired("Write what the reporter reads"), Length(max=2000)])


class ReleaseForm(Form):
    """Record the release the reporter was told of."""

    consulted = RadioField("Was the reporter consulted first?", choices=[
        ("consulted", "Yes, they were consulted"),
        ("not_practicable", "No: it was not practicable")], validators=[Optional()])


class PauseForm(Form):
    """Pause a deadline, with a reason."""

    reason = TextAreaField("Reason for the pause", validators=[
        DataRequired("Give a reason"), Length(max=2000)])


class ResumeForm(Form):
    """Start a paused deadline again (no fields: the case's version travels beside it)."""


class ExtendForm(Form):
    """Move a deadline later, with a reason."""

    due_on = DateField("New due date", invalid_value_message=(
        "Enter the new due date as a date, for example 31 March 2026"))
    reason = TextAreaField("Reason for the extension", validators=[
        DataRequired("Give a reason"), Length(max=2000)])


class SupportForm(Form):
    """The reporter names (or changes) their support person from their page."""

    kind = SelectField("Who is your support person?", validators=[
        DataRequired("Choose who your support person is")])
    name = StringField("Their name", validators=[DataRequired("Give their name"),
                                                 Length(max=200)])
    contact = StringField("How we can reach them, if you want us to (optional)",
                          validators=[Optional(), Length(max=200)])


class MilestoneForm(Form):
    """Record a step the law asks for that is not a change of stage."""

    milestone = SelectField("Milestone reached", validators=[DataRequired(
        "Choose what has been done")])
    note = TextAreaField("Note", validators=[Length(max=2000)])
    on = DateField("Date", validators=[Optional()], invalid_value_message=(
        "Enter the date as a date, for example 31 March 2026"))


class ReferralForm(Form):
    """A referral made while the case stays open, or a decision not to refer (the service
    checks the body against the policy's list and asks for the reason)."""

    referred = RadioField("Was the matter referred?", choices=[
        ("yes", "Yes, it was referred"), ("no", "No, it is not being referred")],
        validators=[DataRequired("Say whether the matter was referred")])
    matter = SelectField("What this decides")
    body = SelectField("Referred to")
    made_on = DateField("Date of the referral", validators=[Optional()],
                        invalid_value_message=(
                            "Enter the date as a date, for example 31 March 2026"))
    reference = StringField("Their reference number", validators=[Length(max=100)])
    reason = TextAreaField("Why not referred (or a note on the referral)",
                           validators=[Length(max=2000)])
    tell_reporter = BooleanField("Tell the reporter which body and when")


class CheckInForm(Form):
    """The reporter's answer to an aftercare check-in."""

    detriment = RadioField("Have you experienced any detriment because you reported?",
                           choices=[("yes", "Yes"), ("no", "No")], validators=[
                               DataRequired("Choose yes or no")])
    details = TextAreaField("What happened", validators=[Optional(), Length(max=50_000)])


class AssignForm(Form):
    """Assign a colleague."""

    user_id = SelectField("Colleague", coerce=choice_id, validators=[DataRequired()])
    capacity = SelectField("As", choices=[("investigator", "Investigator"),
                                          ("handler", "Handler"),
                                          ("decision_maker", "Decision maker")])


class NoteForm(Form):
    """A confidential note on a case."""

    body = TextAreaField("Your note", validators=[DataRequired("Write the note"),
                                                  Length(max=20_000)])


class ImplicatedForm(Form):
    """Someone else implicated in a case: a directory person, or a typed name."""

    person_id = SelectField("Choose from the directory", coerce=choice_id, default=0,
                            validate_choice=False, validators=[Optional()])
    name = StringField("Or type their name", validators=[Optional(), Length(max=200)])
    role = StringField("Their job, if you know it", validators=[Optional(), Length(max=200)])


class CaseFilterForm(Form):
    """The case list's filters and order (a GET form: nothing changes, so no CSRF token)."""

    class Meta:
        csrf = False

    q = SearchField("Words in the case", validators=[Optional(), Length(max=200)])
    reference = SearchField("Reference", validators=[Optional(), Length(max=32)])
    route = SelectField("Kind", validators=[Optional()], default="")
    state = SelectField("Stage", validators=[Optional()], default="")
    queue = SelectField("Queue", validators=[Optional()], default="")
    category = SelectField("Category", validators=[Optional()], default="")
    assigned = BooleanField("Assigned to me")
    overdue = BooleanField("Overdue only")
    lodged_from = DateField("Lodged from", validators=[Optional()])
    lodged_to = DateField("Lodged until", validators=[Optional()])
    assigned_to = SelectField("Assigned to", coerce=choice_id, default=0,
                              validators=[Optional()])
    implicated = SelectField("Person implicated", coerce=choice_id, default=0,
                             validators=[Optional()])
    sort = SelectField("Order", default="newest", choices=[
        ("newest", "Opened, newest first"), ("oldest", "Opened, oldest first"),
        ("due", "Next due date first")])


class PersonForm(Form):
    """A directory entry."""

    name = StringField("Name", validators=[DataRequired("Enter their name"), Length(max=200)])
    position = StringField("Position", validators=[DataRequired("Enter their position"),
                                                   Length(max=200)])
    email = EmailField("Email address (optional)", validators=[Optional(), Length(max=320)])
    department = SelectField("Department", validators=[Optional()], default="")
    roles = CheckboxesField("Roles that routing rules look at (optional)",
                            validators=[Optional()])
    manager_id = SelectField("Line manager", coerce=choice_id, default=0, validators=[Optional()])


class AccountForm(Form):
    """A staff account to invite (the person chooses their own password when they enrol)."""

    email = EmailField("Email address", validators=[DataRequired("Enter an email address"),
                                                    Length(max=320)])
    name = StringField("Name", validators=[DataRequired("Enter their name"), Length(max=200)])
    roles = CheckboxesField("Roles", validators=[DataRequired("Choose at least one role")])
    queues = CheckboxesField("Queues (for roles that handle cases)", validators=[Optional()])
    person_id = SelectField("Their entry in the people directory", coerce=choice_id, default=0,
                            validators=[Optional()])


class AccessForm(Form):
    """The roles and queues an account should have."""

    roles = CheckboxesField("Roles", validators=[Optional()])
    queues = CheckboxesField("Queues (for roles that handle cases)", validators=[Optional()])


class InvitationForm(Form):
    """The first step of enrolling: the invitation an administrator gave."""

    invitation = StringField("Invitation", validators=[
        DataRequired("Enter the invitation you were given"), Length(max=64)])


class EnrolForm(Form):
    """The second step: a password (or, for a reset, the current one) and a first code."""

    password = PasswordField("Password", validators=[DataRequired("Enter a password"),
                                                     Length(max=1024)],
                             render_kw={"autocomplete": "new-password"})
    password_again = PasswordField("The same password again", validators=[Optional(),
                                                                          Length(max=1024)],
                                   render_kw={"autocomplete": "new-password"})
    code = StringField("Code from your authenticator app", validators=[
        DataRequired("Enter the six-digit code your app shows"), Length(max=12)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class TriageForm(Form):
    """Put a misfiled case right: its kind, category, department or queue, with a reason."""

    route = SelectField("Kind of report", validators=[Optional()], validate_choice=False)
    category = SelectField("Category", validators=[DataRequired("Choose a category")])
    department = SelectField("Department", validators=[Optional()], default="")
    queue = SelectField("Queue", validators=[Optional()], default="")
    reason = TextAreaField("Why are you changing it?", validators=[
        DataRequired("Say why you are changing it"), Length(max=2000)])


class LinkForm(Form):
    """Link a case to another: related, or a duplicate to merge into it."""

    reference = StringField("Reference of the other case", validators=[
        DataRequired("Enter the other case's reference"), Length(max=32)])
    kind = RadioField("How are they linked?", choices=[
        ("related", "Related: a connected matter. Both cases stay open, and each shows the "
                    "other."),
        ("duplicate", "Duplicate: this case repeats the other one. Merge this case into it: "
                      "this case closes as merged, and its reporter is told and keeps their "
                      "conversation here.")],
        validators=[DataRequired("Choose how the cases are linked")])
