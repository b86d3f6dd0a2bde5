"""``portico seed-demo`` writes known passwords and a known API key: only the local stage, unless ``--force``."""

from __future__ import annotations

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
