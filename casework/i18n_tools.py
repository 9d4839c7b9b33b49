"""Checking a language against the code: every marked string translated, with the same
placeholders, and no English left unmarked in a template.

Used by the test suite (for every language shipped complete) and by `casework languages`
(an operator adding a language: `template` writes the strings to translate, `check` says what
is missing). Reads the source tree, so it runs from a checkout or an installed package alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from casework import i18n

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "casework"
TEMPLATES = ROOT / "templates"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%[sdif]")
#: Template text that needs no translation: punctuation, numbers, symbols, the product's name.
UNTRANSLATED = re.compile(r"^[\s\W\d_]*(Casework)?[\s\W\d_]*$")


@dataclass
class Problems:
    """What a language's catalogs lack against the code."""

    missing: list[str] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)
    placeholders: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.missing or self.empty or self.placeholders)


def extract() -> dict[str, list[str]]:
    """Every marked string in the code and templates -> where it is (file:line)."""
    found: dict[str, list[str]] = {}
    for folder, method in ((PACKAGE, "python"), (TEMPLATES, "jinja2.ext:babel_extract")):
        pattern = "**.py" if method == "python" else "**.html"
        options = {} if method == "python" else {pattern: {"trimmed": "true"}}
        for name, line, message, _comments, _context in extract_from_dir(
                str(folder), [(pattern, method)], options, keywords=KEYWORDS):
            for text in (message if isinstance(message, tuple) else (message,)):
                if text:
                    found.setdefault(text, []).append(f"{folder.name}/{name}:{line}")
    return found


def catalog(code: str) -> dict[str, str | tuple]:
    """Every translation the language's .po files give (msgid -> msgstr)."""
    given: dict[str, str | tuple] = {}
    for folder in reversed(i18n.catalog_dirs()):
        base = folder / code
        for path in sorted(base.rglob("*.po")) if base.is_dir() else ():
            with path.open("rb") as handle:
                for message in read_po(handle, locale=code):
                    if message.id:  # a plural's two ids (extract lists both) share its forms
                        ids = message.id if isinstance(message.id, tuple) else (message.id,)
                        given.update(dict.fromkeys(ids, message.string))
    return given


def check(code: str) -> Problems:
    """What is missing or wrong in one language, against the strings the code marks."""
    problems, given = Problems(), catalog(code)
    for text, where in sorted(extract().items()):
        if text not in given:
            problems.missing.append(f"{where[0]}: {text!r}")
            continue
        translated = given[text]
        forms = translated if isinstance(translated, tuple) else (translated,)
        if not all(forms):
            problems.empty.append(f"{where[0]}: {text!r}")
        elif any(_placeholders(form) != _placeholders(text) for form in forms):
            problems.placeholders.append(f"{where[0]}: {text!r}")
    return problems


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def template(code: str = "") -> bytes:
    """A .po file of every string to translate (empty translations, or the language's own
    where it has them already), for a translator."""
    given = catalog(code) if code else {}
    out = Catalog(locale=code or None, project="Casework")
    for text, where in sorted(extract().items()):
        out.add(text, given.get(text, ""),
                locations=[(w.rsplit(":", 1)[0], int(w.rsplit(":", 1)[1])) for w in where])
    buffer = BytesIO()
    write_po(buffer, out, width=100)
    return buffer.getvalue()


def unmarked_template_text() -> Iterator[str]:
    """Text in a template that is shown as it is written, not through the catalogs:
    "file:line: text" for each (markup, punctuation and numbers excepted). Expressions,
    tags, comments and {% trans %} blocks count as marked (what they show is checked where it
    comes from)."""
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = str(path.relative_to(TEMPLATES))
        source = path.read_text(encoding="utf-8")
        source = re.sub(r"{%-?\s*trans\b.*?endtrans\s*-?%}|{{.*?}}|{%.*?%}|{#.*?#}",
                        lambda m: "\x00" + "\n" * m.group(0).count("\n"), source, flags=re.S)
        reader = _TextReader()
        reader.feed(source)
        reader.close()
        for line, text in reader.found:
            yield f"{name}:{line}: {text}"


class _TextReader(HTMLParser):
    """The words of a page a person reads: text between tags, and the attributes people read
    (alt, title, placeholder, aria-label); not scripts or styles."""

    SHOWN = frozenset({"alt", "title", "placeholder", "aria-label", "value"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1
        kinds = dict(attrs)
        for key, value in attrs:
            if key in self.SHOWN and value and not (
                    key == "value" and (tag != "input" or kinds.get("type") not in
                                        ("submit", "button", "reset"))):
                self._keep(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self._keep(data)

    def _keep(self, text: str) -> None:
        for piece in text.split("\x00"):
            piece = " ".join(piece.split())
            if piece and not UNTRANSLATED.match(piece):
                self.found.append((self.getpos()[0], piece))


#: Calls whose string arguments people read: the errors the services raise (their message and
#: the {field: why} they carry), flashed notices, form fields' labels and validators' messages.
SHOWN_CALLS = frozenset({
    "Invalid", "Conflict", "Forbidden", "NotFound", "Gone", "TooLarge", "Unauthorized",
    "Refused", "StaleVersion", "TooManyAttempts", "flash", "Letter",
    "StringField", "TextAreaField", "PasswordField", "BooleanField", "SelectField",
    "SelectMultipleField", "RadioField", "DateField", "IntegerField", "FileField",
    "MultipleFileField", "HiddenField", "EmailField", "SubmitField",
    "DataRequired", "InputRequired", "Length", "Email", "Optional", "NumberRange",
    "Regexp", "AnyOf", "NoneOf", "EqualTo",
})
MARKERS = frozenset({"_", "_l", "gettext", "ngettext", "lazy_gettext"})


def unmarked_python_text(folder: Path = PACKAGE) -> Iterator[str]:
    """English handed to a person without going through the catalogs: a string literal (or an
    f-string) given to one of SHOWN_CALLS, directly or as a value of a dict literal it is given.
    "file:line: text" for each."""
    import ast

    for path in sorted(folder.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        name = str(path.relative_to(ROOT))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or _called(node) not in SHOWN_CALLS:
                continue
            for arg in [*node.args, *(k.value for k in node.keywords
                                      if k.arg in (None, "message", "label", "description"))]:
                for text_node in _texts(arg):
                    yield f"{name}:{text_node.lineno}: {_literal(text_node)}"


def _called(node) -> str:
    import ast

    func = node.func
    return func.id if isinstance(func, ast.Name) else \
        func.attr if isinstance(func, ast.Attribute) else ""


def _texts(node) -> Iterator:
    """String literals in node that people would read (not inside a marker call)."""
    import ast

    if isinstance(node, ast.Call) and _called(node) in MARKERS:
        return
    words = isinstance(node, ast.Constant) and isinstance(node.value, str) and \
        re.search(r"[A-Za-z]{2}", node.value) and " " in node.value.strip()
    if words or isinstance(node, ast.JoinedStr):
        yield node
    elif isinstance(node, ast.Dict):
        for value in node.values:
            yield from _texts(value)
    elif isinstance(node, ast.BinOp | ast.IfExp):
        for child in (getattr(node, "left", None), getattr(node, "right", None),
                      getattr(node, "body", None), getattr(node, "orelse", None)):
            if child is not None:
                yield from _texts(child)


def _literal(node) -> str:
    import ast

    return node.value if isinstance(node, ast.Constant) else ast.unparse(node)
