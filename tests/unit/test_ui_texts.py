"""Every literal text key the portal's scripts ask for (``t("…")``, ``tCount("…")``, ``tParts("…")``) is in both
dictionaries: a missing key would show the key itself on screen."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "static_site"
CALL = re.compile(r"\b(t|tCount|tParts)\(\s*\"([a-z0-9_.-]+)\"")


def _keys() -> set[tuple[str, str]]:
    return {(m.group(1), m.group(2)) for path in sorted((ROOT / "js").rglob("*.js"))
            for m in CALL.finditer(path.read_text(encoding="utf-8"))}


def _has(tree: dict[str, object], key: str) -> bool:
    node: object = tree
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return isinstance(node, str)


def test_the_scanner_finds_the_calls() -> None:
    found = {key for _, key in _keys()}
    assert {"catalog.title", "cart.count", "orders.heading", "invoices.title"} <= found


@pytest.mark.parametrize("language", ["es-CO", "en"])
def test_every_literal_key_is_translated(language: str) -> None:
    texts = json.loads((ROOT / "i18n" / f"{language}.json").read_text(encoding="utf-8"))
    missing = sorted(key for kind, key in _keys()
                     if not (_has(texts, key) or (kind == "tCount" and _has(texts, f"{key}_one")
                                                  and _has(texts, f"{key}_other"))))
    assert not missing, f"{language}.json lacks: {missing}"
