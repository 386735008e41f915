"""The notebooks' forms: prefilled from parameters, values reach the notebooks' calls."""

from __future__ import annotations

import inspect
import re

import builders
import ipywidgets as widgets
import pytest

from cftutorial.aws import buckets
from cftutorial.errors import FormError
from cftutorial.tutorial import forms, state

#: notebook -> its builder (its cells' calls, tests/builders.py), which takes its parameters
BUILDER_OF = {
    1: builders.bucket,
    2: builders.origin_access,
    3: builders.permissions,
    4: builders.distribution,
    6: builders.signing_keys,
}


@pytest.mark.parametrize("number", sorted(forms.BUILDERS))
def test_every_form_is_prefilled_from_the_parameters(number):
    form = forms.BUILDERS[number](run_name="from-params", approach="guide")
    values = form.values()
    assert values["run_name"] == "from-params"
    assert values["approach"] == "guide"
    assert isinstance(form.widget, widgets.VBox)
    assert len(form.widget.children) == len(form.fields) + 1


#: builder parameters no form offers, on purpose (a progress bar is for people, not a choice)
NOT_IN_FORMS = {"progress"}


@pytest.mark.parametrize("number", sorted(BUILDER_OF))
def test_the_form_fields_are_exactly_keyword_arguments_of_the_builder(number):
    fields = set(forms.BUILDERS[number]().values())
    parameters = set(inspect.signature(BUILDER_OF[number]).parameters)
    assert fields, f"form {number} has no fields"
    assert fields == parameters - NOT_IN_FORMS, fields ^ (parameters - NOT_IN_FORMS)


def test_setting_a_field_changes_the_values():
    form = forms.signing_form(hash_algorithm="SHA1").set(hash_algorithm="SHA256", expires_in=60)
    assert form.values()["hash_algorithm"] == "SHA256"
    assert form.values()["expires_in"] == 60


@pytest.mark.parametrize("build", [forms.signing_form, forms.try_form, forms.login_form])
def test_the_hash_field_defaults_to_the_keys_own_and_says_so(build):
    form = build()
    assert form.values()["hash_algorithm"] is None
    assert "the key's (RSA: SHA1, ECDSA: SHA256)" in form.static_text()
    assert form.set(hash_algorithm="SHA1").values()["hash_algorithm"] == "SHA1"
    assert form.set(hash_algorithm=None).values()["hash_algorithm"] is None
    with pytest.raises(
        FormError, match=r"hash 'sha1' is not an option; use None \(the key's\), 'SHA1' or 'SHA256'"
    ):
        build(hash_algorithm="sha1")


def test_setting_an_unknown_field_names_the_fields():
    with pytest.raises(KeyError, match="run_name"):
        forms.bucket_form().set(colour="blue")


def test_a_choice_outside_the_options_is_refused():
    with pytest.raises(
        FormError, match="key type 'dsa' is not an option; use one of 'rsa', 'ecdsa'"
    ):
        forms.keys_form(key_type="dsa")


def test_values_set_in_the_form_reach_the_notebooks_calls(local_aws):
    form1 = forms.bucket_form(run_name="fm-run", approach="modern").set(
        bucket_name="cftutorial-fm-chosen", region="eu-west-1", approach="guide"
    )
    result = builders.bucket(**form1.values())
    assert result.bucket.name == "cftutorial-fm-chosen"
    assert buckets.bucket_region("cftutorial-fm-chosen") == "eu-west-1"
    assert buckets.object_ownership("cftutorial-fm-chosen") == "BucketOwnerPreferred"

    form2 = forms.origin_access_form(run_name="fm-run", approach="modern").set(approach="guide")
    assert builders.origin_access(**form2.values()).kind == "oai"

    form3 = forms.permissions_form(run_name="fm-run", approach="guide", show_acl_failure=True)
    result3 = builders.permissions(**form3.set(show_acl_failure=False).values())
    assert result3.refused is None and result3.demo_bucket is None
    assert result3.granted

    form4 = forms.distribution_form(run_name="fm-run", approach="guide", deploy_timeout=900)
    result4 = builders.distribution(**form4.set(deploy_timeout=120).values())
    assert result4.signers["TrustedSigners"]["Items"] == ["self"]
    assert result4.distribution.domain_name.endswith(".cloudfront.net")

    form6 = forms.keys_form(run_name="fm-run", approach="guide").set(key_type="ecdsa")
    result6 = builders.signing_keys(**form6.values())
    assert result6.signing_key.kind == "ecdsa"
    assert state.get("fm-run", "signing_key")["kind"] == "ecdsa"


def test_notebook_08s_cleanup_box_is_off_unless_the_parameter_says_so():
    assert forms.try_form().values()["clean_up"] is False
    assert forms.try_form(clean_up=True).values()["clean_up"] is True


def _cells(markup: str) -> list[str]:
    return re.findall(r"<t[hd] ([^>]*)>", markup)


def test_tables_are_left_aligned_and_escape_their_values():
    markup = forms.table([{"status": 403, "reason": "<b>expired</b> & gone"}]).data
    cells = _cells(markup)
    assert len(cells) == 4, markup
    assert all("text-align:left" in style for style in cells)
    assert "&lt;b&gt;expired&lt;/b&gt; &amp; gone" in markup
    assert forms.table([]).data == "<i>(nothing)</i>"


def test_fields_table_is_vertical_with_long_values_in_full_and_dicts_as_json():
    reason = "the URL expired at 2001-09-09T01:46:40Z, " + "x" * 300
    markup = forms.fields_table({"allowed": False, "reason": reason, "policy": {"a": [1]}}).data
    rows = re.findall(r"<tr>(.*?)</tr>", markup, re.DOTALL)
    assert len(rows) == 4, markup  # the header, then one row per field
    assert ">field</th>" in rows[0] and ">value</th>" in rows[0]
    assert ">reason</td>" in rows[2] and reason in rows[2]
    assert '<pre style="margin:0">{\n  &quot;a&quot;: [\n    1\n  ]\n}</pre>' in rows[3]
