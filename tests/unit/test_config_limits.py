"""The hourly caps on invitation and reset mails (chalicelib/config.py)."""

from __future__ import annotations

import pytest

from chalicelib.config import ConfigError, load_settings


def test_defaults_a_normal_day_never_meets() -> None:
    settings = load_settings({})
    assert settings.invitations_per_tenant_hour == 200
    assert settings.resets_per_tenant_hour == 100
    assert settings.resets_per_contact_hour == 3


def test_each_cap_comes_from_its_variable() -> None:
    settings = load_settings({"PORTICO_INVITATIONS_PER_TENANT_HOUR": "500", "PORTICO_RESETS_PER_TENANT_HOUR": "40",
                              "PORTICO_RESETS_PER_CONTACT_HOUR": "1"})
    assert (settings.invitations_per_tenant_hour, settings.resets_per_tenant_hour,
            settings.resets_per_contact_hour) == (500, 40, 1)


@pytest.mark.parametrize("variable", ["PORTICO_INVITATIONS_PER_TENANT_HOUR", "PORTICO_RESETS_PER_TENANT_HOUR",
                                      "PORTICO_RESETS_PER_CONTACT_HOUR"])
@pytest.mark.parametrize("value", ["0", "-1", "ten", ""])
def test_a_cap_must_be_a_positive_whole_number(variable: str, value: str) -> None:
    with pytest.raises(ConfigError, match=variable):
        load_settings({variable: value})
