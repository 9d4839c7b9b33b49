"""The annual report shapes a policy pack may name (policy.ANNUAL_REPORTS): what each statute
asks for, in its words, and which published table answers each item.

Some items are not statistics Casework keeps, or could only be answered by describing single
cases (the recommendations themselves, the corrective measures, the body a disclosure went to):
each shape lists those, so the report says plainly what it leaves to other records.
"""

from __future__ import annotations

from dataclasses import dataclass

from casework.i18n import _l

#: Stages reached, as the funnel counts them: each case once, at the furthest stage.
HANDLED = ("received", "in_scope", "declined", "referred", "investigated", "action_taken")
FURTHEST = _l("Each case is counted once, at the furthest stage it reached, so a case where "
              "action was taken was investigated too; the rows are not added up.")
MEDIAN = _l("From receipt to closing, for cases received in the period and closed since. We "
            "publish the median (the middle case) in days, and only where enough cases closed.")
DECLINED = _l("The kind of reason the decision-maker chose when declining. The reasons "
              "themselves are free text about single cases and are never published; \"not "
              "recorded\" counts declines made before the kind was asked for, or without it.")
FINDINGS = ("substantiated", "partly_substantiated", "not_substantiated", "malicious")


@dataclass(frozen=True)
class Section:
    """One item of a report: a heading in the statute's words and the table that answers it.

    by: the dimensions of the published table (at most two); route: show only that route's
    rows; values: show only these values of the other dimension, in this order (empty: all,
    with the total); measures: per-row measures to show beside the counts; split_sexual: group
    kinds of concern whose key names "sexual" apart from the others (each shown as published);
    exclude: leave out these values of the last dimension, and the total over it."""

    heading: str
    by: tuple[str, ...]
    route: str | None = None
    values: tuple[str, ...] = ()
    measures: tuple[str, ...] = ()
    split_sexual: bool = False
    note: str = ""
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class Shape:
    """A report a statute or a policy asks for."""

    key: str
    title: str
    citation: str
    period_hint: str
    sections: tuple[Section, ...]
    not_held: tuple[str, ...] = ()


def _received(heading: str, route: str | None = "disclosure") -> Section:
    return Section(heading, ("route",), route=route)


def _stages(heading: str, values: tuple[str, ...] = HANDLED, note: str = FURTHEST,
            route: str = "disclosure") -> Section:
    return Section(heading, ("route", "stage"), route=route, values=values, note=note)


def _declined(heading: str, route: str | None = "disclosure") -> Section:
    return Section(heading, ("route", "declined"), route=route, exclude=("not_declined",),
                   note=DECLINED)


def _time(heading: str, route: str | None = "disclosure", note: str = MEDIAN) -> Section:
    return Section(heading, ("route",), route=route, measures=("days_to_close",), note=note)


VIC = Shape(
    "vic-pid-s68", _l("Public interest disclosures: annual report"),
    _l("Public Interest Disclosures Act 2012 (Vic), s 68(1)"), _l("a financial year"), (
        Section(_l("The number and types of assessable disclosures made"),
                ("category", "route"), route="disclosure"),
        _stages(_l("The number and types of assessments made to determine whether a "
                   "disclosure is a public interest complaint")),
        Section(_l("The number and types of disclosures notified to the IBAC"),
                ("route", "notified"), route="disclosure", values=("notified",),
                note=_l("Disclosures with the milestone \"Notified IBAC\" recorded (s 21), "
                        "whatever else became of them; referrals to other bodies are not "
                        "counted.")),
        _stages(_l("The number and types of public interest complaints investigated"),
                ("investigated", "action_taken")),
        _stages(_l("Recommendations made and, for each, the action taken"), ("action_taken",),
                _l("How many disclosures had action recorded after findings. The "
                   "recommendations and the actions are free text about single cases and are "
                   "never published.")),
        _time(_l("Time taken")),
    ), (_l("How to access the procedures (s 68(1)(a)) and applications for an injunction "
           "(s 68(1)(e)) are not statistics Casework keeps."),))

CWLTH = Shape(
    "cwlth-pid-s76",
    _l("Public interest disclosures: information for the Ombudsman's annual report"),
    _l("Public Interest Disclosure Act 2013 (Cth), s 76(2)(a) (given to the Ombudsman under "
       "s 76(3))"), _l("a financial year"), (
        _received(_l("The number of public interest disclosures received by authorised "
                     "officers")),
        Section(_l("The kinds of disclosable conduct to which those disclosures relate"),
                ("category", "route"), route="disclosure"),
        _stages(_l("The number of disclosures allocated"),
                note=_l("Disclosures accepted for handling (in scope, and every later stage "
                        "except declined) were allocated; those still received were not yet "
                        "allocated; referred ones went to another body. Each case is counted "
                        "once, at the furthest stage it reached, so a case where action was "
                        "taken was investigated too; the rows are not added up.")),
        _declined(_l("Decisions not to investigate, by kind of reason")),
        _stages(_l("The number of disclosure investigations conducted"),
                ("investigated", "action_taken")),
        _time(_l("The time taken to conduct those disclosure investigations")),
        _stages(_l("The actions taken in response to recommendations in reports relating to "
                   "those disclosure investigations"), ("action_taken",),
                _l("How many disclosures had action recorded after findings; the actions "
                   "themselves are free text about single cases and are never published.")),
    ), (_l("Paragraphs (b) to (d) are the Ombudsman's own figures."),))

PSDPA = Shape(
    "canada-psdpa", _l("Disclosures of wrongdoing: annual report"),
    _l("Public Servants Disclosure Protection Act (S.C. 2005, c. 46), s 38.1; s 11(1)(c) for "
       "wrongdoing found and corrective measures"),
    _l("a financial year (FY2026: April to March)"), (
        _received(_l("The number of disclosures received")),
        _stages(_l("The number of disclosures acted upon and not acted upon"),
                note=_l("Not acted upon: declined. Acted upon: every later stage. Still "
                        "received: no decision yet. Each case is counted once, at the furthest "
                        "stage it reached, so a case where action was taken was investigated "
                        "too; the rows are not added up.")),
        _declined(_l("Disclosures not acted upon, by kind of reason")),
        _stages(_l("The number of investigations commenced as a result of disclosures"),
                ("in_scope", "investigated", "action_taken")),
        Section(_l("Findings of wrongdoing"), ("outcome", "route"), route="disclosure",
                values=FINDINGS, note=_l("Outcomes recorded on investigated disclosures.")),
        _stages(_l("Corrective measures taken"), ("action_taken",),
                _l("How many disclosures had corrective action recorded; the measures "
                   "themselves are free text about single cases and are never published.")),
    ), (_l("General enquiries about the Act, systemic problems and recommendations for "
           "improvement are not statistics Casework keeps."),))

HARASSMENT = Shape(
    "canada-harassment", _l("Work place harassment and violence: employer's annual report"),
    _l("Work Place Harassment and Violence Prevention Regulations (SOR/2020-130), s 36(d)"),
    _l("the preceding calendar year"), (
        _received(_l("The total number of occurrences"), "harassment"),
        Section(_l("The number of occurrences related, respectively, to sexual harassment and "
                   "violence and non-sexual harassment and violence"), ("category", "route"),
                route="harassment", split_sexual=True,
                note=_l("Each kind of occurrence is shown as published, grouped as sexual or "
                        "non-sexual; the groups are not added up, because a sum of rounded and "
                        "suppressed counts would be neither exact nor protected.")),
        Section(_l("The means by which resolution processes were completed and, for each of "
                   "those means, the number of occurrences"), ("outcome", "route"),
                route="harassment", values=("resolved_self_help", "resolved_informally",
                                            "not_investigated", "substantiated",
                                            "not_substantiated", "external", "withdrawn",
                                            "open")),
        _time(_l("The average time that it took to complete the resolution process for an "
                 "occurrence"), "harassment",
              _l("We publish the median (the middle occurrence) in days, not the average in "
                 "months: with few occurrences an average moves a long way with a single one. "
                 "Counted from receipt to closing, and only where enough occurrences closed.")),
    ), (_l("Occurrences that resulted in the death of an employee, prohibited grounds of "
           "discrimination, locations and professional relationships (s 36(d)(iii) to (vi)) "
           "are not statistics Casework keeps; locations and relationships could point at "
           "people."),))

EU = Shape(
    "eu-directive-art27", _l("Reports of breaches: voluntary annual statistics"),
    # Art 27 binds Member States (for their competent authorities), not organisations: this is
    # the organisation's own report in the same shape, for its internal channel.
    _l("Voluntary statistics in the shape of Directive (EU) 2019/1937, art 27(2), for the "
       "organisation's internal reporting channel (art 27 binds Member States, not "
       "organisations)"),
    _l("a calendar year"), (
        _received(_l("The number of reports received")),
        _stages(_l("The number of investigations and proceedings initiated as a result of "
                   "such reports"), ("in_scope", "referred", "investigated", "action_taken")),
        Section(_l("The outcome of those investigations and proceedings"),
                ("outcome", "route"), route="disclosure"),
    ), (_l("The estimated financial damage and the amounts recovered (art 27(2)(c)) are not "
           "recorded in Casework."),))

MONITORING_OFFICER = Shape(
    "monitoring-officer",
    _l("Whistleblowing and harassment: the Monitoring Officer's annual report to the audit "
       "committee"),
    _l("The organisation's whistleblowing policy (a voluntary report: no statute requires "
       "it)"), _l("a financial or calendar year"), (
        _received(_l("Concerns received"), None),
        Section(_l("Kinds of concern"), ("category",)),
        Section(_l("How concerns were raised: anonymously or with a name"),
                ("anonymous", "route")),
        Section(_l("How far concerns went"), ("route", "stage"), note=FURTHEST),
        _declined(_l("Concerns declined, by kind of reason"), route=None),
        Section(_l("Outcomes"), ("outcome", "route")),
        Section(_l("Time taken and deadlines met"), ("route",),
                measures=("days_to_acknowledge", "days_to_close", "clocks_met_share"),
                note=_l("From receipt to closing, for cases received in the period and closed "
                        "since. We publish the median (the middle case) in days, and only "
                        "where enough cases closed. Deadlines met: the share of deadlines that "
                        "ended met.")),
        Section(_l("Detriment reported afterwards"), ("detriment",),
                note=_l("From the check-ins offered after a case closed.")),
    ), (_l("No names, no case references and nothing about any single case appear in this "
           "report."),))

SHAPES = {shape.key: shape for shape in (VIC, CWLTH, PSDPA, HARASSMENT, EU,
                                         MONITORING_OFFICER)}
