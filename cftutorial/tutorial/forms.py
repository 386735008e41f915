"""The small ipywidgets forms at the top of each notebook.

A form only *holds values*: it is prefilled from the notebook's ``parameters`` cell, the
learner may change a field, and the next ordinary cell calls the step function with
``form.values()``. Nothing happens in a button callback — ``interact_manual`` and ``on_click``
never fire in a headless (papermill) run, so a notebook whose work lived there would do nothing.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as widgets

from .. import config
from ..aws import clients
from ..errors import FormError
from ..signing import rules
from ..signing.keys import KIND_ECDSA, KIND_RSA

APPROACHES = (("modern (2026)", "modern"), ("the guide's (2011)", "guide"))
KEY_TYPES = (("RSA 2048", "rsa"), ("ECDSA P-256", "ecdsa"))
#: The hash choices; "" is the key's own (``None`` in the parameters cell and in ``values()``):
#: RSA SHA-1, ECDSA SHA-256 (:func:`cftutorial.signing.rules.hash_for`).
HASHES = (
    (
        f"the key's (RSA: {rules.default_hash(KIND_RSA)}, ECDSA: {rules.default_hash(KIND_ECDSA)})",
        "",
    ),
    *((name, name) for name in rules.HASH_ALGORITHMS),
)
OWNERSHIPS = ("BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter")
_STYLE = {"description_width": "12em"}
_LAYOUT = {"width": "36em"}


@dataclass
class Form:
    """A titled set of fields; ``values()`` returns ``{name: current value}``.

    ``hidden`` holds values the form does not show (e.g. the AWS opt-in in local mode), which
    ``values()`` still returns. In a kernel, a form built again with the same parameters (Run
    All, or its cell run again) keeps what the learner typed into the previous one and says so:
    the value typed last wins, whether in the form or in the parameters cell.
    """

    title: str
    fields: dict[str, widgets.ValueWidget]
    note: str = ""
    hidden: dict[str, Any] = field(default_factory=dict)
    widget: widgets.Widget = field(init=False)
    kept: dict[str, tuple[Any, Any]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.initial = {name: control.value for name, control in self.fields.items()}
        self.kept = _keep_typed(self)
        header = widgets.HTML(
            f"<b>{html.escape(self.title)}</b>"
            + (f"<br><i>{html.escape(self.note)}</i>" if self.note else "")
            + self._kept_html()
        )
        self.widget = _FormBox([header, *self.fields.values()])
        self.widget.form = self

    def values(self) -> dict[str, Any]:
        """The current values; a number outside its field's range is one :class:`FormError`."""
        found = dict(self.hidden)
        for name, control in self.fields.items():
            limits = getattr(control, "cftutorial_range", None)
            if limits is not None and not limits[0] <= control.value <= limits[1]:
                raise FormError(
                    f"{_label(control)} = {control.value} is out of range: use a whole number "
                    f"from {limits[0]} to {limits[1]} (in the form, or the parameters cell)"
                )
            found[name] = None if _is_none(control) else control.value
        return found

    def set(self, **values: Any) -> Form:
        """Set fields by name (tests, or a learner scripting the form)."""
        for name, value in values.items():
            if name not in self.fields:
                raise KeyError(
                    f"form {self.title!r} has no field {name!r}; fields: {list(self.fields)}"
                )
            control = self.fields[name]
            control.value = getattr(control, "cftutorial_none", value) if value is None else value
        return self

    def static_html(self) -> str:
        """The form as a page without widgets shows it (the book): its values, read-only."""
        rows = "".join(
            f"<tr><td {_CELL}>{html.escape(_label(control))}</td>"
            f"<td {_WRAP}><code>{html.escape(_shown(control))}</code></td></tr>"
            for control in self.fields.values()
        )
        return (
            f'<div class="cftutorial-form"><b>{html.escape(self.title)}</b>{self._kept_html()}<br>'
            "<i>The form's values (a static copy: in JupyterLab each one is a field you can "
            f"change before running the next cell).</i><table {_TABLE}>{rows}</table></div>"
        )

    def _kept_html(self) -> str:
        """What this form kept from the learner's typing (see :func:`_keep_typed`), said."""
        return "".join(
            "<br>Kept what you typed before the form was built again (Run All): "
            f"<b>{html.escape(_label(self.fields[name]))}</b> = {html.escape(repr(value))} "
            f"(the parameters cell says {html.escape(repr(initial))})"
            for name, (value, initial) in self.kept.items()
        )

    def static_text(self) -> str:
        lines = [self.title] + [
            f"  {_label(control)}: {_shown(control)}" for control in self.fields.values()
        ]
        return "\n".join(lines)

    def _ipython_display_(self) -> None:  # pragma: no cover - notebook display
        from IPython.display import display

        display(self.widget)


class _FormBox(widgets.VBox):
    """The form's widget; where widgets cannot be drawn (the book, an untrusted notebook) its
    HTML copy shows the values instead of an empty space."""

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        data = super()._repr_mimebundle_(**kwargs)
        form = getattr(self, "form", None)
        if form is not None:
            data["text/html"] = form.static_html()
            data["text/plain"] = form.static_text()
        return data


def _label(control: widgets.ValueWidget) -> str:
    return str(control.description)


def _shown(control: widgets.ValueWidget) -> str:
    if isinstance(control, widgets.Dropdown):
        return str(control.label)
    if isinstance(control, widgets.Checkbox):
        return "yes" if control.value else "no"
    return str(control.value) if control.value != "" else "(empty)"


#: The last form built under each title in this kernel, and the values it was built with.
_LAST: dict[str, Form] = {}


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    return get_ipython() is not None


def _keep_typed(form: Form) -> dict[str, tuple[Any, Any]]:
    """Carry over what the learner typed into the previous form of this title (in a kernel).

    A field keeps its typed value when the parameter it is built from has not changed since the
    previous form was built: Run All then does not silently undo an edit. Outside a kernel (the
    CLI, the tests' own process) nothing is carried over."""
    if not _in_kernel():
        return {}
    previous, _LAST[form.title] = _LAST.get(form.title), form
    if previous is None:
        return {}
    kept = {}
    for name, control in form.fields.items():
        before = previous.fields.get(name)
        if before is None or previous.initial.get(name) != form.initial[name]:
            continue
        if before.value != previous.initial[name]:
            control.value = before.value
            kept[name] = (before.value, form.initial[name])
    return kept


def _text(label: str, value: str) -> widgets.Text:
    return widgets.Text(value=str(value), description=label, style=_STYLE, layout=_LAYOUT)


def _choice(label: str, options: Any, value: Any) -> widgets.Dropdown:
    allowed = [option[1] if isinstance(option, tuple) else option for option in options]
    if value not in allowed:
        raise FormError(
            f"{label} {value!r} is not an option; use one of {', '.join(map(repr, allowed))}"
        )
    return widgets.Dropdown(
        options=options, value=value, description=label, style=_STYLE, layout=_LAYOUT
    )


def _hash(params: Mapping[str, Any]) -> widgets.Dropdown:
    """The hash field: ``None`` (the parameters cell's default) shows as the key's own."""
    value = params.get("hash_algorithm")
    if value is not None and value not in rules.HASH_ALGORITHMS:
        raise FormError(
            f"hash {value!r} is not an option; use None (the key's), "
            + " or ".join(map(repr, rules.HASH_ALGORITHMS))
        )
    control = _choice("hash", HASHES, "" if value is None else value)
    control.cftutorial_none = ""
    return control


def _is_none(control: widgets.ValueWidget) -> bool:
    """Whether the field holds its stand-in for ``None`` (a Dropdown cannot select ``None``)."""
    return hasattr(control, "cftutorial_none") and control.value == control.cftutorial_none


def _int(label: str, value: int, low: int, high: int) -> widgets.IntText:
    """A whole number field. Not a BoundedIntText: that one turns -60 into the minimum without
    a word; here :meth:`Form.values` names the value and the range instead."""
    control = widgets.IntText(value=int(value), description=label, style=_STYLE, layout=_LAYOUT)
    control.cftutorial_range = (low, high)
    return control


def _checkbox(label: str, value: Any) -> widgets.Checkbox:
    return widgets.Checkbox(value=bool(value), description=label, style=_STYLE, layout=_LAYOUT)


def _common(params: Mapping[str, Any]) -> dict[str, widgets.ValueWidget]:
    return {
        "run_name": _text("run name", params.get("run_name", "default")),
        "approach": _choice("approach", APPROACHES, params.get("approach", "modern")),
    }


NOTE = "Change a field, then run the next cell. Headless runs use the parameters cell."


def bucket_form(**params: Any) -> Form:
    fields = _common(params)
    fields["bucket_name"] = _text("bucket name", params.get("bucket_name", ""))
    # "" is the run's default region, shown as the value it stands for (the profile's in aws mode)
    fields["region"] = _text("region", clients.region(params.get("region", "")))
    opt_in = bool(params.get("aws_opt_in", False))
    if config.backend() != "aws":  # the local AWS costs nothing: there is nothing to agree to
        return Form("Step 1: bucket and upload", fields, NOTE, hidden={"aws_opt_in": opt_in})
    fields["aws_opt_in"] = widgets.Checkbox(
        value=opt_in,
        description="Create resources in my AWS account",
        description_allow_html=False,
        tooltip="Agree to create billable resources in your AWS account",
        style=_STYLE,
        layout=_LAYOUT,
    )
    return Form("Step 1: bucket and upload", fields, NOTE)


def origin_access_form(**params: Any) -> Form:
    return Form("Step 2: origin access", _common(params), NOTE)


def permissions_form(**params: Any) -> Form:
    fields = _common(params)
    fields["show_acl_failure"] = _checkbox(
        "also show the ACL call on a default bucket", params.get("show_acl_failure", True)
    )
    return Form("Step 3: who may read", fields, NOTE)


def distribution_form(**params: Any) -> Form:
    fields = _common(params)
    fields["key_type"] = _choice("key type", KEY_TYPES, params.get("key_type", "rsa"))
    fields["deploy_timeout"] = _int(
        "deploy timeout (s)", params.get("deploy_timeout", 900), 1, 3600
    )
    return Form("Step 4: the distribution", fields, NOTE)


def unsigned_form(**params: Any) -> Form:
    fields = _common(params)
    fields["object_key"] = _text("object key", params.get("object_key", "video.mp4"))
    return Form("Step 5: unsigned requests", fields, NOTE)


def keys_form(**params: Any) -> Form:
    fields = _common(params)
    fields["key_type"] = _choice("key type", KEY_TYPES, params.get("key_type", "rsa"))
    return Form("Step 6: signing keys", fields, NOTE)


def signing_form(**params: Any) -> Form:
    fields = _common(params)
    fields["hash_algorithm"] = _hash(params)
    fields["object_key"] = _text("object key", params.get("object_key", "video.mp4"))
    fields["expires_in"] = _int("expires in (s)", params.get("expires_in", 300), 1, 7 * 24 * 3600)
    fields["ip_range"] = _text("IP range (custom)", params.get("ip_range", "127.0.0.1/32"))
    return Form("Step 7: signed URLs and cookies", fields, NOTE)


def inspector_form(**params: Any) -> Form:
    fields = {
        "run_name": _text("run name", params.get("run_name", "default")),
        "url": widgets.Textarea(
            value=str(params.get("url", "")),
            description="signed URL",
            placeholder="paste any CloudFront signed URL",
            style=_STYLE,
            layout={"width": "60em", "height": "6em"},
        ),
        "viewer_ip": _text("viewer IP", params.get("viewer_ip", "127.0.0.1")),
    }
    return Form("Signed URL inspector", fields, "Paste a URL, then run the next cell.")


def try_form(**params: Any) -> Form:
    fields = _common(params)
    fields["hash_algorithm"] = _hash(params)
    fields["expires_in"] = _int("expires in (s)", params.get("expires_in", 300), 1, 7 * 24 * 3600)
    fields["clean_up"] = _checkbox(
        "clean up in the last section (deletes everything)", params.get("clean_up", False)
    )
    return Form("Step 8: try them", fields, NOTE)


def clinic_form(**params: Any) -> Form:
    fields = _common(params)
    fields["expires_in"] = _int("expires in (s)", params.get("expires_in", 300), 60, 7 * 24 * 3600)
    fields["include_cookies"] = _checkbox(
        "log cookies (Logging.IncludeCookies)", params.get("include_cookies", True)
    )
    return Form("Step 9: the 403 clinic", fields, NOTE)


def rotation_form(**params: Any) -> Form:
    fields = _common(params)
    fields["object_key"] = _text("object key", params.get("object_key", "hello.html"))
    return Form("Step 10: rotate the signing key", fields, NOTE)


def kms_form(**params: Any) -> Form:
    fields = _common(params)
    fields["key_type"] = _choice("KMS key type", KEY_TYPES, params.get("key_type", "rsa"))
    fields["measure_urls"] = _int("URLs to time", params.get("measure_urls", 20), 1, 1000)
    fields["keep_kms_key"] = _checkbox(
        "keep the KMS key trusted at the end", params.get("keep_kms_key", False)
    )
    return Form("Step 12: keys in KMS", fields, NOTE)


def login_form(**params: Any) -> Form:
    fields = _common(params)
    fields["hash_algorithm"] = _hash(params)
    fields["login_port"] = _int("login app port (0: free)", params.get("login_port", 0), 0, 65535)
    fields["cookie_lifetime"] = _int(
        "cookie lifetime (s)", params.get("cookie_lifetime", 3600), 60, 7 * 24 * 3600
    )
    fields["put_back"] = _checkbox(
        "put back in the last section (stops the login app)", params.get("put_back", False)
    )
    return Form("Step 11: cookies from a login service", fields, NOTE)


def audit_form(**params: Any) -> Form:
    fields = _common(params)
    fields["signed_for"] = _int(
        "signed links live (s)", params.get("signed_for", 600), 60, 7 * 24 * 3600
    )
    return Form("Step 13: audit a distribution before it leaks", fields, NOTE)


#: notebook number -> builder (the tests build every one).
BUILDERS = {
    1: bucket_form,
    2: origin_access_form,
    3: permissions_form,
    4: distribution_form,
    5: unsigned_form,
    6: keys_form,
    7: signing_form,
    8: try_form,
    9: clinic_form,
    10: rotation_form,
    11: login_form,
    12: kms_form,
    13: audit_form,
}


_PAD = "padding:0.15em 0.6em 0.15em 0"
_CELL = f'style="text-align:left;vertical-align:top;{_PAD}"'
#: Words stay whole (a column is never narrower than its longest word) ...
_WRAP = f'style="text-align:left;vertical-align:top;{_PAD};overflow-wrap:break-word"'
#: ... except tokens too long for any column (URLs, signatures): those wrap anywhere, in a
#: column at least this wide.
_WRAP_ANYWHERE = (
    f'style="text-align:left;vertical-align:top;{_PAD};overflow-wrap:anywhere;min-width:10em"'
)
_LONG_TOKEN = 24
#: JupyterLab lays out output tables with ``table-layout: fixed`` (equal columns, words cut
#: into letters); ``auto`` sizes each column to its content.
_TABLE = 'style="table-layout:auto;margin-left:0;margin-right:auto"'


def _cell(value: Any, tag: str = "td") -> str:
    """One table cell, left-aligned (JupyterLab's default right-aligns them); a dict or list
    value is shown as indented JSON, so a policy reads as a policy; a tuple as one line each."""
    import json

    if isinstance(value, Mapping | list):
        text = json.dumps(value, indent=2)
        return f'<{tag} {_CELL}><pre style="margin:0">{html.escape(text)}</pre></{tag}>'
    lines = [str(item) for item in value] if isinstance(value, tuple) else [value]
    lines = ["" if line is None else str(line) for line in lines]
    text = " ".join(lines)
    style = (_WRAP_ANYWHERE if _has_long_token(text) else _WRAP)[:-1] + _room_for_hyphens(text)
    shown = "<br>".join(html.escape(line) for line in lines)  # a tuple: one line each
    return f'<{tag} {style}">{shown}</{tag}>'


def _has_long_token(text: str) -> bool:
    return any(len(token) > _LONG_TOKEN for token in text.split())


def _room_for_hyphens(text: str) -> str:
    """A browser may break ``Content-Type`` or ``Key-Pair-Id`` after a hyphen: a column at
    least as wide as the longest such word (``ch``: a digit's width, plus a margin) keeps it."""
    longest = max(
        (len(word) for word in text.split() if "-" in word and len(word) <= _LONG_TOKEN),
        default=0,
    )
    return f";min-width:{longest * 1.15:.1f}ch" if longest else ""


def table(rows: list[Mapping[str, Any]]) -> Any:
    """A list of dicts as a left-aligned HTML table (no pandas dependency for this)."""
    from IPython.display import HTML

    if not rows:
        return HTML("<i>(nothing)</i>")
    columns = list(dict.fromkeys(name for row in rows for name in row))
    head = "".join(_cell(c, "th") for c in columns)
    body = "".join(
        "<tr>" + "".join(_cell(row.get(c, "")) for c in columns) + "</tr>" for row in rows
    )
    return HTML(f"<table {_TABLE}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def side_by_side(records: Mapping[str, Mapping[str, Any]]) -> Any:
    """Records as columns (``{"broken": {...}, "fixed": {...}}``), one row per field: few
    columns, so each can be wide enough for its words."""
    fields = list(dict.fromkeys(name for record in records.values() for name in record))
    return table(
        [
            {"": name, **{title: record.get(name, "") for title, record in records.items()}}
            for name in fields
        ]
    )


def fields_table(record: Mapping[str, Any]) -> Any:
    """One record as a vertical field | value table: long values (a reason, a URL) in full."""
    return table([{"field": name, "value": value} for name, value in record.items()])


def response_summary(response: Any) -> dict[str, Any]:
    """One row per HTTP answer, in four columns so that a table of them fits a notebook's width:
    the answer (status and CloudFront's or S3's error code), its message, who answered (with
    the headers that tell: ``Server``, ``X-Cache``), and the body (bytes, ``Content-Type``)."""
    from .viewer import describe_response

    described = describe_response(response)
    headers = described["headers"]
    who = tuple(f"{name}: {headers[name]}" for name in ("Server", "X-Cache") if headers.get(name))
    body = (f"{described['bytes']} bytes", headers.get("Content-Type", ""))
    return {
        "answer": f"{described['status']} {described['code'] or ''}".strip(),
        "message": described["message"] or "",
        "answered by": (described["from"], *who),  # one per line
        "body": tuple(part for part in body if part),
    }
