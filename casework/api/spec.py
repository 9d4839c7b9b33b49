"""One registry of operations: it routes, validates with the schemas, and writes the OpenAPI."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from flask import Blueprint, request
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema

from casework import i18n
from casework.api.schemas import ErrorBody
from casework.i18n import _, _l, ngettext
from casework.services.errors import DomainError, Invalid, NotFound, TooLarge
from casework.services.inputs import load_json, refuse_unstorable, unstorable
from casework.workflow.policy import RELATIONS

MAX_JSON = 256 * 1024
STATUS_TEXT = {200: "OK", 201: "Created", 400: "Malformed request", 401: "No or bad credentials",
               403: "Not allowed", 404: "Not found (or not visible to you)",
               409: "Conflict with the current state", 413: "Too large",
               414: "URI too long: the request line is over the server's limit (gunicorn's "
                    "4094 bytes); answered by the server before the app, not as JSON",
               422: "A field does not validate", 429: "Too many attempts"}

#: Request fields whose values are keys of the running policy pack and routes: the document
#: enumerates them (`enum`), so a client or a fuzzer can send a valid report without reading
#: the pack. Field name → which keys. List filters (GET /cases?queue=…) are left free: an
#: unknown value there is an empty list, not an error.
PACK_FIELDS = {"route": "route", "category": "category", "department": "department",
               "queue": "queue", "queues": "queue", "milestone": "milestone",
               "transition": "transition", "action": "transition",
               "relation": "relation", "raise_with": "level", "statements": "statement",
               "ground": "release_ground"}


class MalformedJSON(DomainError):
    """The body is not JSON."""

    status, code = 400, "malformed_json"


@dataclass(frozen=True)
class Operation:
    """One endpoint as the OpenAPI document describes it."""

    method: str
    path: str
    summary: str
    auth: str  # none | staff | reporter | any
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    many: bool = False
    status: int = 200
    errors: tuple[int, ...] = ()
    multipart: bool = False
    tags: tuple[str, ...] = field(default=())
    #: Other successful answers: status → schema (the handler returns (data, status)).
    also: tuple[tuple[int, type[BaseModel]], ...] = ()
    #: A success that is not JSON (e.g. "text/csv"): the handler returns a ready Response.
    media: str | None = None


OPERATIONS: list[Operation] = []


def field_errors(exc: ValidationError) -> dict[str, str]:
    """Pydantic errors as {dotted.field: message}: pydantic's own words in English, the
    catalog's in any other language."""
    errors = {}
    for err in exc.errors():
        name = ".".join(str(p) for p in err["loc"]) or "body"
        errors[name] = err["msg"] if i18n.current() == i18n.SOURCE else field_reason(err)
    return errors


def field_reason(err: Mapping) -> str:
    """One pydantic error in the language of the moment, from its type and context."""
    kind, ctx = err["type"], err.get("ctx") or {}
    if kind == "value_error":  # our own validators' messages are translated where raised
        return str(ctx["error"]) if "error" in ctx else _("value is not a valid email address")
    if kind in ("string_too_short", "string_too_long", "too_short", "too_long"):
        return _length(kind, int(ctx.get("min_length", ctx.get("max_length", 0))))
    if kind in BOUNDS:
        words, key = BOUNDS[kind]
        return str(words) % {"limit": ctx.get(key, "")}
    if kind in ("literal_error", "enum"):
        return _("Input should be one of: %(expected)s",
                 expected=str(ctx.get("expected", "")).replace("' or '", "', '"))
    for prefix, words in TYPES:
        if kind.startswith(prefix):
            return str(words)
    return str(REASONS.get(kind) or _("This value is not valid."))


def _length(kind: str, limit: int) -> str:
    if kind == "string_too_short":
        return ngettext("String should have at least %(num)s character",
                        "String should have at least %(num)s characters", limit)
    if kind == "string_too_long":
        return ngettext("String should have at most %(num)s character",
                        "String should have at most %(num)s characters", limit)
    if kind == "too_short":
        return ngettext("List should have at least %(num)s item",
                        "List should have at least %(num)s items", limit)
    return ngettext("List should have at most %(num)s item",
                    "List should have at most %(num)s items", limit)


#: Pydantic's error types with a bound on a number: (message, the context key of the bound).
BOUNDS = {
    "greater_than_equal": (_l("Input should be greater than or equal to %(limit)s"), "ge"),
    "greater_than": (_l("Input should be greater than %(limit)s"), "gt"),
    "less_than_equal": (_l("Input should be less than or equal to %(limit)s"), "le"),
    "less_than": (_l("Input should be less than %(limit)s"), "lt"),
}
#: Pydantic's error types by the kind of value expected (the type names its start).
TYPES = (("bool_", _l("Input should be a valid boolean")),
         ("int_", _l("Input should be a valid integer")),
         ("float_", _l("Input should be a valid number")),
         ("string_", _l("Input should be a valid string")),
         ("list_", _l("Input should be a valid list")),
         ("dict_", _l("Input should be a valid object")),
         ("model_", _l("Input should be a valid object")),
         ("datetime_", _l("Input should be a valid date and time")),
         ("date_", _l("Input should be a valid date")))
REASONS = {"missing": _l("Field required"),
           "extra_forbidden": _l("Extra inputs are not permitted")}


def optional_body(model: type[BaseModel]) -> bool:
    """A body whose every field is optional may be left out altogether."""
    return not any(f.is_required() for f in model.model_fields.values())


def _parse_body(model: type[BaseModel]) -> BaseModel:
    if (request.content_length or 0) > MAX_JSON:
        raise TooLarge(_("The request body must be at most %(limit)s bytes.", limit=MAX_JSON))
    raw = request.get_data(cache=True)
    if not raw and optional_body(model):
        return model.model_validate({})
    try:
        data = load_json(raw) if raw else None
    except ValueError as exc:  # not JSON, or not UTF-8
        raise MalformedJSON(_("The request body is not valid JSON.")) from exc
    if not isinstance(data, dict):
        raise Invalid(_("The request body must be a JSON object."),
                      {"body": _("must be an object")})
    refuse_unstorable(data, _("Some fields hold characters that cannot be stored."))
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise Invalid(_("Some fields do not validate."), field_errors(exc)) from exc


def _parse_query(model: type[BaseModel]) -> BaseModel:
    args = request.args.to_dict()
    refuse_unstorable(args, _("Some query parameters hold characters that cannot be stored."))
    try:
        return model.model_validate(args)
    except ValidationError as exc:
        raise Invalid(_("Some query parameters do not validate."), field_errors(exc)) from exc


def authenticate(kind: str) -> None:
    """Refuse (401) a request without a live token of the operation's kind."""
    from casework.api import anyone, reporter, staff

    {"staff": staff, "reporter": reporter, "any": anyone}[kind]()


def _flask_path(path: str) -> str:
    return re.sub(r"\{(\w+)\}", r"<\1>", path)


def operation(bp: Blueprint, method: str, path: str, summary: str, *, auth: str = "none",
              body=None, query=None, response=None, many=False, status=200, errors=(),
              multipart=False, tags=(), also=None, media=None) -> Callable:
    """Register an endpoint: the handler gets parsed `body`/`query`; its dict is checked
    against `response` (so the document cannot drift from what is served). A handler that
    may answer another success (`also`: {status: schema}) returns (dict, status) for it."""
    alternatives = dict(also or {})
    op = Operation(method, path, summary, auth, body, query, response, many, status,
                   tuple(errors), multipart, tuple(tags), tuple(alternatives.items()), media)
    OPERATIONS.append(op)

    def register(handler: Callable) -> Callable:
        @functools.wraps(handler)
        def view(**kwargs):
            if auth != "none":  # credentials first: a stranger learns nothing from a 422
                authenticate(auth)
            if unstorable(kwargs) is not None:  # no stored key holds such characters
                raise NotFound(_("There is no such thing."))
            if body is not None:
                kwargs["body"] = _parse_body(body)
            if query is not None:
                kwargs["query"] = _parse_query(query)
            result = handler(**kwargs)
            if isinstance(result, tuple) and len(result) == 2 and result[1] in alternatives:
                data, code = result
                return alternatives[code].model_validate(data).model_dump(
                    mode="json", by_alias=True), code
            if response is None or isinstance(result, tuple):
                return result  # a ready answer, e.g. a 401 whose throttle count must commit
            if many:
                data = [response.model_validate(r).model_dump(mode="json", by_alias=True)
                        for r in result]
            else:
                data = response.model_validate(result).model_dump(mode="json", by_alias=True)
            return data, status

        bp.add_url_rule(_flask_path(path), f"{method.lower()}_{handler.__name__}", view,
                        methods=[method])
        return view

    return register


def pack_keys(runtime) -> dict[str, list[str]]:
    """The keys a running Casework accepts, by kind (see PACK_FIELDS)."""
    pack, routes = runtime.pack, runtime.routes
    return {
        "route": sorted(routes),
        "category": sorted(pack.categories),
        "department": sorted(pack.departments),
        "queue": sorted(pack.queues),
        "milestone": sorted({m.key for m in pack.milestones.values()}),
        "transition": sorted({k for r in routes.values() for k in r.transition_keys}),
        # How the reporter knows, and the pack's ladder and grounds, in the pack's order.
        "relation": list(RELATIONS),
        "level": list(pack.levels),
        "statement": list(pack.statements),
        "release_ground": list(pack.release_grounds),
    }


def _enumerate(schema: dict, keys: dict[str, list[str]]) -> None:
    """Give each pack-keyed property of a request schema its enum (in place)."""
    for name, prop in schema.get("properties", {}).items():
        kind = PACK_FIELDS.get(name)
        if kind is None or not keys.get(kind):
            continue
        target = prop.get("items", prop) if prop.get("type") == "array" else prop
        for branch in target.get("anyOf", [target]):
            if branch.get("type") == "string":
                branch["enum"] = list(keys[kind])


def _request_models(model: type[BaseModel], seen: set[str]) -> set[str]:
    """The names of a request model and every model nested in it."""
    names = {model.__name__}
    for info in model.model_fields.values():
        for arg in _types_in(info.annotation):
            if isinstance(arg, type) and issubclass(arg, BaseModel) and arg.__name__ not in seen:
                names |= _request_models(arg, seen | names)
    return names


def _types_in(annotation) -> list:
    import typing

    args = typing.get_args(annotation)
    return [annotation] if not args else [t for a in args for t in _types_in(a)]


#: Links a client (or a stateful fuzzer) can follow from a lodged report: sign in as its
#: reporter with the reference and receipt just given, and open it as staff.
REPORT_LINKS = {
    "ReporterSession": {
        "operationId": "post_reporter_session",
        "requestBody": {"reference": "$response.body#/reference",
                        "receipt": "$response.body#/receipt"},
        "description": "Sign in as the reporter of the report just lodged."},
    "StaffCase": {
        "operationId": "get_cases_ref_",
        "parameters": {"ref": "$response.body#/reference"},
        "description": "The case as staff with a queue or assignment that reaches it see it."},
}


def build_openapi(prefix: str = "/api/v1", runtime=None) -> dict:
    """The OpenAPI 3.1 document, generated from the registered operations and their schemas;
    with the running `runtime`, the pack's keys are enumerated in request fields."""
    models = {ErrorBody}
    for op in OPERATIONS:
        models |= {m for m in (op.body, op.response) if m is not None}
        models |= {m for _, m in op.also}
    _, defs = models_json_schema([(m, "validation") for m in sorted(models, key=lambda m:
                                  m.__name__)], ref_template="#/components/schemas/{model}")
    schemas = defs.get("$defs", {})
    keys = pack_keys(runtime) if runtime is not None else {}
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method.lower()] = _describe(op, keys)
    if keys:
        requests: set[str] = set()
        for op in OPERATIONS:
            if op.body is not None:
                requests |= _request_models(op.body, set())
        for name in requests & schemas.keys():
            _enumerate(schemas[name], keys)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Casework API", "version": "1.0.0",
                 "description": "Case management for public interest disclosures and "
                                "harassment complaints. A case you may not see is a 404."},
        "servers": [{"url": prefix}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "staff": {"type": "http", "scheme": "bearer", "description": "staff token"},
                "reporter": {"type": "http", "scheme": "bearer",
                             "description": "reporter token, one case"}},
        },
    }


def _ref(model: type[BaseModel]) -> dict:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _path_schema(name: str, keys: dict[str, list[str]]) -> dict:
    kind = PACK_FIELDS.get(name)
    if kind and keys.get(kind):
        return {"type": "string", "enum": list(keys[kind])}
    return {"type": "string"}


def _describe(op: Operation, keys: dict[str, list[str]] | None = None) -> dict:
    keys = keys or {}
    item: dict = {"summary": op.summary, "operationId": f"{op.method.lower()}"
                  f"{re.sub(r'[^A-Za-z0-9]+', '_', op.path)}", "tags": list(op.tags)}
    params = [{"name": n, "in": "path", "required": True, "schema": _path_schema(n, keys)}
              for n in re.findall(r"\{(\w+)\}", op.path)]
    if op.query is not None:
        schema = op.query.model_json_schema()
        required = set(schema.get("required", []))
        for name, prop in schema.get("properties", {}).items():
            params.append({"name": name, "in": "query", "required": name in required,
                           "schema": prop})
    if params:
        item["parameters"] = params
    if op.body is not None:
        item["requestBody"] = {"required": not optional_body(op.body),
                               "content": {"application/json": {"schema": _ref(op.body)}}}
    if op.multipart:
        item["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary"}}}}}}
    if op.auth != "none":  # "any": a staff or a reporter token
        item["security"] = [{"staff": []}, {"reporter": []}] if op.auth == "any" else [
            {op.auth: []}]
    ok: dict = {"description": STATUS_TEXT.get(op.status, "OK")}
    if op.response is not None:
        schema = _ref(op.response)
        ok["content"] = {"application/json": {"schema": {"type": "array", "items": schema}
                                              if op.many else schema}}
    elif op.media is not None:
        ok["content"] = {op.media: {"schema": {"type": "string"}}}
    responses = {str(op.status): ok}
    for code, model in op.also:
        responses[str(code)] = {"description": STATUS_TEXT.get(code, "OK"), "content": {
            "application/json": {"schema": _ref(model)}}}
    statuses = set(op.errors) | ({401} if op.auth != "none" else set())
    statuses |= {422} if op.body or op.query or op.multipart else set()
    statuses |= {400, 413} if op.body or op.multipart else set()
    for code in sorted(statuses):
        responses[str(code)] = {"description": STATUS_TEXT[code], "content": {
            "application/json": {"schema": _ref(ErrorBody)}}}
    if params:  # a long value makes a request line over the server's limit
        responses["414"] = {"description": STATUS_TEXT[414]}
    if (op.method, op.path) == ("POST", "/reports"):
        responses[str(op.status)]["links"] = REPORT_LINKS
    item["responses"] = dict(sorted(responses.items()))
    return item
