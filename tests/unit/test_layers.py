"""Imports sit at the top of a module (STYLE §11), except those whose cost ``import app`` must not pay.

import-linter (``make lint``) holds the layers and finds circles, function-local imports included; this test
holds the other half of DESIGN §1a's rule: a function-local import that dodges a circle means the code sits
in the wrong layer, so the only ones allowed load a heavy module lazily and say so (``# lazy: …``).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# What a cold start must not load before a request needs it (DESIGN §8).
HEAVY = ("chalicelib.store.models", "chalicelib.domain.pdf", "pynamodb", "boto3", "botocore", "argon2", "fpdf",
         "PIL", "aws_lambda_powertools", "requests", "importlib")


def _local_imports() -> list[tuple[str, int, str, str]]:
    found = []
    for path in sorted((ROOT / "chalicelib").rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for function in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    module = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
                    found.append((str(path.relative_to(ROOT)), node.lineno, module or "", lines[node.lineno - 1]))
    return found


def _lazy_allowed(path: str, module: str, text: str) -> bool:
    if module.startswith(HEAVY) or (module == "chalicelib.domain" and "pdf" in text):
        return True
    # The one cut between layers: a handler loads its service (and what lies below) with its first request, so
    # `import app` stays the handlers and the domain (DESIGN §8's cold-start budget).
    return path.startswith("chalicelib/handlers/") and module.startswith("chalicelib.services")


def test_function_local_imports_are_only_heavy_modules_marked_lazy() -> None:
    wrong = [f"{path}:{line} imports {module}" for path, line, module, text in _local_imports()
             if not _lazy_allowed(path, module, text) or "# lazy:" not in text]
    assert not wrong, "move these imports to the top of their module (or mark a heavy one `# lazy: why`):\n" \
        + "\n".join(wrong)


def test_the_check_sees_function_local_imports() -> None:
    # A guard against a scanner that finds nothing: the store loads its models lazily.
    assert any(module == "chalicelib.store.models" for _, _, module, _ in _local_imports())
