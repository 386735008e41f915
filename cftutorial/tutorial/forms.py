"""The small ipywidgets forms at the top of each notebook.

A form only *holds values*: it is prefilled from the notebook's ``parameters`` cell, the
learner may change a field, and the next ordinary cell calls the step function with
``form.values()``. Nothing happens in a button callback — ``interact_manual`` and ``on_click``
never fire in a headless (papermill) run, so a notebook whose work lived there would do nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as widgets

from ..aws import clients
from ..errors import FormError

APPROACHES = (("modern (2026)", "modern"), ("the guide's (2011)", "guide"))
KEY_TYPES = (("RSA 2048", "rsa"), ("ECDSA P-256", "ecdsa"))
HASHES = (("SHA-1 (default)", "SHA1"), ("SHA-256", "SHA256"))
OWNERSHIPS = ("BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter")
_STYLE = {"description_width": "12em"}
_LAYOUT = {"width": "36em"}


@dataclass
class Form:
    """A titled set of fields; ``values()`` returns ``{name: current value}``."""

    title: str
    fields: dict[str, widgets.ValueWidget]
    note: str = ""
    widget: widgets.Widget = field(init=False)

    def __post_init__(self) -> None:
        header = widgets.HTML(
            f"<b>{self.title}</b>" + (f"<br><i>{self.note}</i>" if self.note else "")
        )
        self.widget = widgets.VBox([header, *self.fields.values()])

    def values(self) -> dict[str, Any]:
        return {name: control.value for name, control in self.fields.items()}

    def set(self, **values: Any) -> Form:
        """Set fields by name (tests, or a learner scripting the form)."""
        for name, value in values.items():
            if name not in self.fields:
                raise KeyError(
                    f"form {self.title!r} has no field {name!r}; fields: {list(self.fields)}"
                )
            self.fields[name].value = value
        return self

    def _ipython_display_(self) -> None:  # pragma: no cover - notebook display
        from IPython.display import display

        display(self.widget)


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


def _int(label: str, value: int, low: int, high: int) -> widgets.BoundedIntText:
    return widgets.BoundedIntText(
        value=int(value), min=low, max=high, description=label, style=_STYLE, layout=_LAYOUT
    )


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
    fields["aws_opt_in"] = widgets.Checkbox(
        value=bool(params.get("aws_opt_in", False)),
        description="Create resources in my AWS account",
        description_allow_html=False,
        tooltip="Only with CFTUTORIAL_BACKEND=aws: agree to create billable resources",
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
    fields["hash_algorithm"] = _choice("hash", HASHES, params.get("hash_algorithm", "SHA1"))
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
    fields["hash_algorithm"] = _choice("hash", HASHES, params.get("hash_algorithm", "SHA1"))
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
    fields["hash_algorithm"] = _choice("hash", HASHES, params.get("hash_algorithm", "SHA1"))
    fields["login_port"] = _int("login app port (0: free)", params.get("login_port", 0), 0, 65535)
    fields["cookie_lifetime"] = _int(
        "cookie lifetime (s)", params.get("cookie_lifetime", 3600), 60, 7 * 24 * 3600
    )
    return Form("Step 11: cookies from a login service", fields, NOTE)


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
}


_CELL = 'style="text-align:left;vertical-align:top"'
_WRAP = 'style="text-align:left;vertical-align:top;word-break:break-word"'


def _cell(value: Any, tag: str = "td") -> str:
    """One table cell, left-aligned (JupyterLab's default right-aligns them); a dict or list
    value is shown as indented JSON, so a policy reads as a policy."""
    import html
    import json

    if isinstance(value, Mapping | list):
        text = json.dumps(value, indent=2)
        return f'<{tag} {_CELL}><pre style="margin:0">{html.escape(text)}</pre></{tag}>'
    return f"<{tag} {_WRAP}>{html.escape('' if value is None else str(value))}</{tag}>"


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
    return HTML(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def fields_table(record: Mapping[str, Any]) -> Any:
    """One record as a vertical field | value table: long values (a reason, a URL) in full."""
    return table([{"field": name, "value": value} for name, value in record.items()])


def response_summary(response: Any) -> dict[str, Any]:
    """One flat row per HTTP answer: status, error code and message, who answered, key headers."""
    from .viewer import describe_response

    described = describe_response(response)
    headers = described["headers"]
    return {
        "status": described["status"],
        "code": described["code"] or "",
        "message": described["message"] or "",
        "answered by": described["from"],
        "Server": headers.get("Server", ""),
        "Content-Type": headers.get("Content-Type", ""),
        "X-Cache": headers.get("X-Cache", ""),
        "bytes": described["bytes"],
    }
