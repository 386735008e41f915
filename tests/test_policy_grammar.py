"""verify (and so the local edge) holds custom policies to CloudFront's grammar: each key once,
no fields the grammar does not have."""

from __future__ import annotations

import pytest

from cftutorial.signing import keys, urls
from cftutorial.signing.signer import Signer
from cftutorial.signing.verify import verify

KEY_ID = "K2JCJMDEHXQW5F"
URL = "https://d111111abcdef8.cloudfront.net/a.mp4"
WHEN = '"DateLessThan":{"AWS:EpochTime":1893456000}'


@pytest.fixture(scope="module")
def signer() -> Signer:
    return Signer(KEY_ID, keys.generate_private_key("rsa"))


def check(signer: Signer, text: str):
    encoded, signature = signer.sign_policy(text)
    signed = urls.append_params(URL, urls.custom_params(encoded, signature, signer.key_params))
    return verify(signed, trusted_keys={KEY_ID: signer.private_key.public_key()}, at=1893450000)


def test_a_policy_in_the_grammar_is_allowed(signer) -> None:
    verdict = check(signer, f'{{"Statement":[{{"Resource":"{URL}","Condition":{{{WHEN}}}}}]}}')
    assert verdict.allowed, verdict.reason


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            f'{{"Statement":[{{"Resource":"https://x/*","Resource":"{URL}","Condition":{{{WHEN}}}}}]}}',
            "the policy repeats the key 'Resource'",
        ),
        (
            f'{{"Statement":[{{"Resource":"{URL}","Condition":{{{WHEN},{WHEN}}}}}]}}',
            "the policy repeats the key 'DateLessThan'",
        ),
        (
            f'{{"Statement":[{{"Resource":"{URL}","Condition":{{{WHEN}}}}}],"Statement":[]}}',
            "the policy repeats the key 'Statement'",
        ),
        (
            f'{{"Version":"2012-10-17","Statement":[{{"Resource":"{URL}","Condition":{{{WHEN}}}}}]}}',
            "the policy document has unknown fields ['Version']",
        ),
        (
            f'{{"Statement":[{{"Effect":"Allow","Resource":"{URL}","Condition":{{{WHEN}}}}}]}}',
            "the policy statement has unknown fields ['Effect']",
        ),
        (
            f'{{"Statement":[{{"Resource":"{URL}","Condition":{{"DateLessThan":'
            '{"AWS:EpochTime":1893456000,"AWS:Other":1}}}]}',
            "the policy DateLessThan has unknown fields ['AWS:Other']",
        ),
    ],
    ids=[
        "two-resources",
        "two-conditions",
        "two-statements",
        "top-field",
        "statement-field",
        "condition-field",
    ],
)
def test_duplicate_keys_and_unknown_fields_are_malformed_with_the_reason(signer, text, reason):
    verdict = check(signer, text)
    assert verdict.code == "MalformedPolicy"
    assert verdict.message == "Malformed Policy"
    assert verdict.reason.startswith(reason), verdict.reason
