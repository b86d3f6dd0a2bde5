"""The portal says every API error in its own languages: each code the API can answer has a sentence under
``api_errors`` in static_site/i18n/es-CO.json and en.json (the UI shows the API's English message only
for a code it does not know)."""

from __future__ import annotations

import json
import textwrap

import pytest

from tests.unit.error_codes import ROOT, scan

LANGUAGES = ("es-CO", "en")


def _translations(language: str) -> dict[str, str]:
    strings = json.loads((ROOT / "static_site" / "i18n" / f"{language}.json").read_text(encoding="utf-8"))
    return strings.get("api_errors", {})


def test_the_scanner_reads_every_error_code_in_chalicelib() -> None:
    found = scan()
    assert not found.unresolved, (
        "These lines give an error a code the scanner cannot read (tests/unit/error_codes.py); write the code "
        "as a string literal, a module-level dict's key or a function's return value:\n  "
        + "\n  ".join(found.unresolved))
    # A few of each kind, so an empty scan cannot pass.
    assert {"invalid_credentials", "access_ended", "not_found", "validation_failed", "internal_error",
            "gateway_error"} <= set(found.codes)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_api_error_code_is_translated(language: str) -> None:
    found = scan()
    translations = _translations(language)
    missing = sorted(code for code in found.codes if not str(translations.get(code) or "").strip())
    assert not missing, (
        f"static_site/i18n/{language}.json has no \"api_errors\" sentence for "
        + ", ".join(missing) + ". Raised at:\n  "
        + "\n  ".join(f"{code}: {', '.join(sorted(found.codes[code]))}" for code in missing))


def test_both_languages_translate_the_same_codes() -> None:
    spanish, english = (set(_translations(language)) for language in LANGUAGES)
    assert spanish == english, {"only es-CO": sorted(spanish - english), "only en": sorted(english - spanish)}


# --- the scanner itself, on the forms a code can take -----------------------------------------------------

ERRORS = textwrap.dedent('''
    class PorticoError(Exception):
        code = "bad_request"
        def __init__(self, message, *, code=None, details=None):
            self.code = code or self.code

    class NotFound(PorticoError):
        status, code = 404, "not_found"

    class Gone(NotFound):
        """Takes its code first, positionally."""
        def __init__(self, code, message):
            super().__init__(message, code=code)

    class Busy(PorticoError):
        code: str = "busy_default"
''')

USES = textwrap.dedent('''
    from errors import Gone, NotFound, PorticoError

    _REASONS = {"reason_one": "One.", "reason_two": "Two."}
    _CODES = {"a": "looked_up_code"}

    def literal():
        raise NotFound("x", code="literal_code")

    def positional():
        raise Gone("positional_code", "x")

    def fail(kind, code):
        raise PorticoError(kind, code=code)

    def through_a_helper():
        fail("x", "helper_code")
        fail(kind="x", code="helper_keyword_code")

    def reason_of(grant):
        if grant:
            return "returned_one"
        return None

    def from_a_function(grant):
        reason = reason_of(grant)
        raise PorticoError("x", code=reason)

    def from_a_dict(reason):
        raise PorticoError(_REASONS[reason], code=reason)

    def looked_up(kind):
        raise PorticoError("x", code=_CODES[kind])

    def body():
        return {"error": {"code": "body_code", "message": "x"}}

    def passes_on(error):
        return {"code": error.code, "message": error.message}

    def cannot_tell(name):
        raise PorticoError("x", code=f"dynamic_{name}")
''')


def test_scanner_follows_every_form() -> None:
    found = scan({"errors.py": ERRORS, "uses.py": USES})
    assert set(found.codes) == {
        "bad_request", "not_found", "busy_default", "literal_code", "positional_code", "helper_code",
        "helper_keyword_code", "returned_one", "reason_one", "reason_two", "looked_up_code", "body_code",
    }
    assert found.codes["positional_code"] == {"uses.py:11"}
    assert found.unresolved == ["uses.py:42: f'dynamic_{name}'"]
