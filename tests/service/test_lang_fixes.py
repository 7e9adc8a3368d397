"""``--lang``: unknown languages are usage errors that list the supported ones."""

from __future__ import annotations


def test_unknown_language_rejected(home, loom):
    outcome = loom("--lang", "fr", "--home", home, "check", "--compatibility")
    assert outcome.code == 2
    assert outcome.err.splitlines()[-1] == "Error: Invalid value for --lang: 'fr' is not a supported language; use en or zh."
    assert outcome.out == ""


def test_known_languages_accepted(home, loom):
    for language in ("en", "zh", "zh_CN", "en_US.UTF-8"):
        outcome = loom("--lang", language, "--home", home, "config", "validate")
        assert outcome.code == 0, (language, outcome.err)
