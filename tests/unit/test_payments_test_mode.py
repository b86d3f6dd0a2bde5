"""Issue 11: test-mode gateway credentials never work on the prod stage (settings and credentials, no AWS)."""

from __future__ import annotations

import pytest

from chalicelib.config import ConfigError, load_settings
from chalicelib.payments.base import PayUCredentials, ZonaVirtualCredentials

PAYU = {"merchant_id": "700001", "account_id": "700002", "api_key": "k" * 26, "api_login": "l" * 15}
PUBLIC_SANDBOX = {"merchant_id": "508029", "account_id": "512321", "api_key": "4Vj8eK4rloUd272L48hsrarnUA",
                  "api_login": "pRRXKOl8ikMmt9u"}
ZV = {"commerce_id": 40001, "user": "Comercio", "password": "clave"}


def test_only_the_prod_stage_refuses_test_gateways() -> None:
    assert {stage: load_settings({"PORTICO_STAGE": stage}).test_gateways_allowed
            for stage in ("local", "test", "dev", "prod")} == {"local": True, "test": True, "dev": True, "prod": False}


@pytest.mark.parametrize("variable", ["PORTICO_PAYU_CHECKOUT_URL", "PORTICO_PAYU_REPORTS_URL",
                                      "PORTICO_ZONAVIRTUAL_URL"])
def test_prod_does_not_start_pointed_at_a_sandbox(variable: str) -> None:
    env = {variable: "http://127.0.0.1:8002/payu/checkout"}
    assert load_settings({**env, "PORTICO_STAGE": "dev"}).gateway_urls  # a dev stage may use one
    with pytest.raises(ConfigError, match=variable):
        load_settings({**env, "PORTICO_STAGE": "prod"})


def test_which_credentials_are_test_credentials() -> None:
    assert not PayUCredentials.from_json(PAYU).test_mode
    assert PayUCredentials.from_json({**PAYU, "test": True}).test_mode
    # PayU's public sandbox merchant is a test credential even with test false: it takes no real money
    assert PayUCredentials.from_json(PUBLIC_SANDBOX).test_mode
    assert not ZonaVirtualCredentials.from_json(ZV).test_mode
    assert ZonaVirtualCredentials.from_json({**ZV, "test": True}).test_mode
