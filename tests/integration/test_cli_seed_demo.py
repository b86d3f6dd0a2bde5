"""``portico seed-demo`` writes known passwords and a known API key: only the local stage, unless ``--force``."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import pytest

from chalicelib import cli

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def stage(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Sets PORTICO_STAGE for the command (same table and bucket: the tests' emulated account)."""
    from chalicelib.config import reset_settings

    def use(name: str) -> None:
        monkeypatch.setenv("PORTICO_STAGE", name)
        reset_settings()

    yield use
    reset_settings()


def demo_exists() -> bool:
    from chalicelib.domain.errors import NotFound
    from chalicelib.store import tenants

    try:
        tenants.get("demo")
    except NotFound:
        return False
    return True


@pytest.mark.parametrize("name", ["dev", "prod", "test"])
def test_seed_demo_refuses_a_stage_other_than_local(stage: Any, name: str, capsys: Any) -> None:
    stage(name)
    assert cli.main(["seed-demo"]) == 1
    err = capsys.readouterr().err
    assert f"stage {name}" in err and "--force" in err and "(not_local_stage)" in err
    assert not demo_exists()


def test_seed_demo_runs_on_another_stage_with_force(stage: Any, capsys: Any) -> None:
    stage("dev")
    assert cli.main(["seed-demo", "--force", "--api-key", "forced-demo-key-0123456789"]) == 0
    assert '"tenant": "demo"' in capsys.readouterr().out
    assert demo_exists()


def test_seed_demo_runs_on_the_local_stage(stage: Any, capsys: Any) -> None:
    stage("local")
    assert cli.main(["seed-demo"]) == 0
    assert '"tenant": "demo"' in capsys.readouterr().out
    assert demo_exists()


INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")


def _demo_rows() -> list[dict[str, Any]]:
    """Every item the seed wrote (all keys start with the tenant, DESIGN §2), without the attributes that differ
    from run to run (times, password hashes, key ids)."""
    from chalicelib.config import get_settings
    from chalicelib.store import db

    volatile = {"ttl", "password_hash", "key_id", "version", "sessions_valid_after", "password_token_id"}
    rows = []
    for page in db.client("dynamodb").get_paginator("scan").paginate(TableName=get_settings().table_name):
        rows += [{k: v for k, v in item.items() if k not in volatile and not k.endswith("_at")}
                 for item in page["Items"] if item["pk"]["S"].startswith("T#demo")]
    return sorted(rows, key=lambda item: (item["pk"]["S"], item["sk"]["S"]))


def _comparable(rows: list[dict[str, Any]]) -> list[str]:
    """Rows without their random ids (an API key's, an invitation link's, a case comment's id and the case's
    time-ordered index keys: new in every run) and with every instant blanked (an order's key and timeline carry
    the second it was seeded)."""
    random_ids = {"sk", "gsi1sk", "token_id", "secret_hash"}
    by_kind = {"ApiKey": random_ids, "PasswordToken": random_ids, "CaseComment": {"sk", "comment_id"},
               "Case": {"lsi1sk", "lsi2sk"}}
    return sorted(INSTANT.sub("<instant>", json.dumps(
        {k: v for k, v in row.items() if k not in by_kind.get(row["kind"]["S"], ())}, sort_keys=True))
        for row in rows)


def _wipe_demo() -> None:
    from chalicelib.config import get_settings
    from chalicelib.store import db

    table = db.client("dynamodb")
    for row in _demo_rows():
        table.delete_item(TableName=get_settings().table_name, Key={"pk": row["pk"], "sk": row["sk"]})


def test_a_second_seed_adds_nothing_and_a_half_done_seed_completes(stage: Any, monkeypatch: pytest.MonkeyPatch
                                                                   ) -> None:
    from chalicelib import demo
    from chalicelib.services import documents

    stage("local")
    push = documents.push_document

    def stopped_before_the_last_write(tenant: str, doc_id: str, record: Any) -> Any:
        if doc_id == demo.COMPLETION_MARK[1]:
            raise KeyboardInterrupt  # Ctrl-C while seeding
        return push(tenant, doc_id, record)

    monkeypatch.setattr(documents, "push_document", stopped_before_the_last_write)
    with pytest.raises(KeyboardInterrupt):
        demo.seed_demo(api_key="demo-integrator-key", portal_url="http://127.0.0.1:8000")
    monkeypatch.setattr(documents, "push_document", push)
    half = len(_demo_rows())

    demo.seed_demo(api_key="demo-integrator-key", portal_url="http://127.0.0.1:8000")
    resumed = _demo_rows()
    assert len(resumed) > half
    demo.seed_demo(api_key="demo-integrator-key", portal_url="http://127.0.0.1:8000")
    assert _demo_rows() == resumed  # the second run adds and changes nothing

    _wipe_demo()
    demo.seed_demo(api_key="demo-integrator-key", portal_url="http://127.0.0.1:8000")
    assert _comparable(_demo_rows()) == _comparable(resumed)  # resuming a broken seed ends where one clean run does
