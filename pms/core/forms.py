"""One helper for every HTML form: on a refused submission the same page comes back (422, or the
refusal's own status) with the person's input kept, each message beside its field and a summary
at the top that names the field by its label, never by its raw name.

A form is declared once (`FormSpec`: its id, the label of each field, where a service's field
names differ from the input names). Its POST view is wrapped in `handles(spec, page)`: a typed
refusal (`Invalid`, `Conflict`, `BadRequest`) rolls back, stores the submission as the request's
`FormState`, and calls `page` — the same function that renders the page on a GET. Templates ask
`form_state(id, instance)` for a form's state (empty unless that very form was just refused) and render
it with the macros of templates/_forms.html.
"""
from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Optional

from flask import has_request_context, make_response, request
from markupsafe import Markup, escape

from pms.core.errors import BadRequest, Conflict, Invalid, PmsError, TooLarge

log = logging.getLogger("pms.forms")

# Refusals that mean "this input cannot be taken as it is": the person fixes it on the same page.
# 403/404 are not among them (nothing to fix; the error page says so).
REFUSALS = (Invalid, Conflict, BadRequest, TooLarge)

_SPECS: dict[str, "FormSpec"] = {}
_STATE_KEY = "pms.form_state"


@dataclass(frozen=True)
class FormSpec:
    """One HTML form: its id, its fields' labels (lazy strings) and service-name → input-name aliases."""

    id: str
    labels: Mapping[str, Any]
    aliases: Mapping[str, str] = field(default_factory=dict)
    files: tuple[str, ...] = ()  # file inputs: a browser cannot be given their files back

    def input_name(self, name: str) -> str:
        """The form input a service's (or schema's) field name belongs to ('photos.2' → 'photos')."""
        name = self.aliases.get(name, name)
        if name not in self.labels and "." in name:
            head = name.split(".", 1)[0]
            return self.aliases.get(head, head)
        return name


def form_spec(id: str, labels: Mapping[str, Any], *, aliases: Optional[Mapping[str, str]] = None,
              files: Iterable[str] = ()) -> FormSpec:
    """Declare a form once (module level); templates find it by id."""
    spec = FormSpec(id, dict(labels), dict(aliases or {}), tuple(files))
    _SPECS[id] = spec
    return spec


@dataclass
class FormState:
    """A form as a template renders it: the submitted values and the messages, or empty."""

    spec: FormSpec
    instance: str = ""
    values: Any = None  # a MultiDict (request.form / request.args) when the form came back
    errors: dict[str, list[str]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    @property
    def active(self) -> bool:
        """Whether this form was just submitted and refused."""
        return self.values is not None

    @property
    def invalid(self) -> bool:
        return bool(self.errors or self.general)

    def label(self, name: str) -> str:
        return str(self.spec.labels.get(name, ""))

    def field_id(self, name: str) -> str:
        """A page-unique id: the form's id, its instance (one form per bill, per payment), the field."""
        parts = [self.spec.id.replace(".", "-"), self.instance, name]
        return "-".join(str(p) for p in parts if p != "")

    def value(self, name: str, default: Any = "") -> Any:
        """The submitted value when the form came back, else `default` (what a GET shows)."""
        if self.values is None:
            return "" if default is None else default
        return self.values.get(name, "")

    def values_of(self, name: str, default: Iterable = ()) -> list:
        """Every submitted value of a multi-valued input (checkboxes)."""
        if self.values is None:
            return list(default)
        getlist = getattr(self.values, "getlist", None)
        return getlist(name) if getlist else [v for v in [self.values.get(name)] if v is not None]

    def errors_of(self, name: str) -> list[str]:
        return self.errors.get(name, [])

    @property
    def problems(self) -> list[tuple[str, str, str]]:
        """(field id, label, message) for the summary, in the order the labels were declared."""
        order = list(self.spec.labels)
        names = sorted(self.errors, key=lambda n: order.index(n) if n in order else len(order))
        return [(self.field_id(n), self.label(n), " ".join(self.errors[n])) for n in names]


def state_from_error(spec: FormSpec, err: PmsError, values: Any, instance: str = "") -> FormState:
    """The refusal sorted onto the form's fields; messages of unknown fields go to the summary alone."""
    errors: dict[str, list[str]] = {}
    general: list[str] = []
    for name, messages in (err.fields or {}).items():
        messages = [str(m) for m in (messages if isinstance(messages, (list, tuple)) else [messages])]
        target = spec.input_name(str(name))
        if target in spec.labels:
            errors.setdefault(target, []).extend(messages)
        else:
            # Never show a raw field name; the developer learns which one to label.
            log.warning("form %s: no label for field %r", spec.id, name)
            general.extend(messages)
    if not errors and not general:
        general.append(str(err.message))
    return FormState(spec, str(instance), values, errors, general)


def keep(spec: FormSpec, values: Any, *, errors: Optional[dict] = None, general: Iterable[str] = ()) -> FormState:
    """For views that decide the messages themselves (login, password): the form comes back with them."""
    state = FormState(spec, "", values, {k: [str(m) for m in v] for k, v in (errors or {}).items()},
                      [str(m) for m in general])
    _remember(state)
    return state


def remember_refusal(spec: FormSpec, err: PmsError, values: Any) -> int:
    """For a page that computes something from its own form (a preview): keep the refusal for the
    template and go on rendering; the refusal's status."""
    _remember(state_from_error(spec, err, values))
    return err.status


def refused(spec: FormSpec, err: PmsError, page: Callable[..., Any], *, instance: str = "",
            values: Any = None, **page_args):
    """Render `page` again with the submission kept and the refusal's messages; the refusal's status."""
    from pms.core.db import get_session

    get_session().rollback()  # nothing of the refused attempt may show on the page
    _remember(state_from_error(spec, err, request.form if values is None else values, instance))
    response = make_response(page(**page_args))
    response.status_code = err.status
    return response


def handles(spec: FormSpec, page: Callable[..., Any], *, instance: Optional[Callable[..., Any]] = None,
            page_args: Optional[Callable[..., dict]] = None):
    """Wrap a POST view: a refusal re-renders `page` (called with the view's URL arguments, or with
    `page_args(**kwargs)`) showing this form's input and messages."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(**kwargs):
            try:
                return view(**kwargs)
            except REFUSALS as err:
                args = page_args(**kwargs) if page_args else kwargs
                key = instance(**kwargs) if instance else ""
                return refused(spec, err, page, instance=key, **args)
        return wrapped
    return decorator


def form_state(id: str, instance: Any = "") -> FormState:
    """Template global: the state of form `id` (and instance) — the refused one, or an empty one."""
    state = refused_form()
    if state is not None and state.spec.id == id and state.instance == str(instance):
        return state
    spec = _SPECS.get(id)
    if spec is None:
        raise KeyError(f"undeclared form {id!r}")
    return FormState(spec, str(instance))


def html_attrs(attrs: Mapping[str, Any]) -> Markup:
    """Extra input attributes: True → bare attribute, False/None → left out, `_` → `-` in names."""
    out = []
    for key, value in attrs.items():
        if value is None or value is False:
            continue
        name = key.rstrip("_").replace("_", "-")
        out.append(f" {name}" if value is True else f' {name}="{escape(value)}"')
    return Markup("".join(out))


def refused_form() -> Optional[FormState]:
    """Template global: the form this request refused (base.html shows its summary at the top)."""
    return request.environ.get(_STATE_KEY) if has_request_context() else None


def _remember(state: FormState) -> None:
    # On the request, not on `g`: an app context (and its `g`) may outlive one request.
    request.environ[_STATE_KEY] = state


def load_query(spec: FormSpec, schema) -> tuple[Any, int]:
    """A GET form's query string: wrong values give the page's defaults, their messages beside the
    filter fields, and status 422 (never a bare error page)."""
    from pms.core.api import load_args

    try:
        return load_args(schema), 200
    except Invalid as err:
        _remember(state_from_error(spec, err, request.args))
        return schema.load({}), 422


def init_app(app) -> None:
    """Template globals `form_state` and `refused_form`, filter `html_attrs`."""
    app.jinja_env.globals["form_state"] = form_state
    app.jinja_env.globals["refused_form"] = refused_form
    app.jinja_env.filters["html_attrs"] = html_attrs

