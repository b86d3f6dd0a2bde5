"""Every error ``code`` the API can answer, read from chalicelib's source (parsed, never imported).

The portal translates API errors by code (static_site/i18n/*.json, ``api_errors``), so a code the
translations lack shows the API's English sentence. :func:`scan` finds the codes in every form the
code base uses to raise them, and says where it met one it cannot read:

- a ``code=`` argument of any call (``NotFound("…", code="document_not_found")``), also when the value
  is a variable set from a function's returns (``reason = grant.inactive_reason(…)``) or from a dict
  (``code=reason`` beside ``_REASONS[reason]`` gives the dict's keys);
- the default ``code`` of every :class:`PorticoError` subclass (``status, code = 404, "not_found"``);
- a code passed positionally or through a helper: any function or error class that hands one of its
  parameters on as a code is followed to its callers (``fail("busy")`` where ``def fail(code): raise
  Conflict(…, code=code)``);
- an error body written as a dict (``{"code": "internal_error", "message": …}``); ``error.code`` there
  passes on the code of an error already counted where it was raised.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ERROR_BASE = "PorticoError"
MAX_DEPTH = 6


@dataclass
class Found:
    codes: dict[str, set[str]] = field(default_factory=dict)  # code → {"chalicelib/x.py:12", …}
    unresolved: list[str] = field(default_factory=list)  # "chalicelib/x.py:12: code=f'{x}'"

    def add(self, codes: set[str], where: str) -> None:
        for code in codes:
            self.codes.setdefault(code, set()).add(where)


@dataclass(frozen=True)
class _Sink:
    """A callable that takes a code: positionally at ``index`` (None: keyword only) or as keyword ``name``."""

    name: str
    index: int | None


def source_files() -> dict[str, str]:
    """chalicelib's Python sources by path relative to the repository."""
    paths = sorted((ROOT / "chalicelib").rglob("*.py"))
    return {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in paths}


def _name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


class _Index:
    """What the resolver needs across modules: classes, functions, module-level values, parents."""

    def __init__(self, files: dict[str, str]):
        self.trees = {path: ast.parse(text, filename=path) for path, text in files.items()}
        self.parents: dict[ast.AST, ast.AST] = {}
        self.path_of: dict[ast.AST, str] = {}
        self.classes: dict[str, ast.ClassDef] = {}
        self.functions: dict[str, list[ast.FunctionDef | ast.AsyncFunctionDef]] = {}
        self.module_values: dict[tuple[str, str], ast.expr] = {}
        for path, tree in self.trees.items():
            for node in ast.walk(tree):
                self.path_of[node] = path
                for child in ast.iter_child_nodes(node):
                    self.parents[child] = node
                if isinstance(node, ast.ClassDef):
                    self.classes[node.name] = node
                elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    self.functions.setdefault(node.name, []).append(node)
            for statement in tree.body:
                if isinstance(statement, ast.Assign | ast.AnnAssign) and statement.value is not None:
                    targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
                    for target in targets:
                        if isinstance(target, ast.Name):
                            self.module_values[(path, target.id)] = statement.value
        self.errors = self._error_classes()

    def _error_classes(self) -> set[str]:
        errors = {ERROR_BASE}
        grew = True
        while grew:
            grew = False
            for name, node in self.classes.items():
                if name not in errors and any(_name(base) in errors for base in node.bases):
                    errors.add(name)
                    grew = True
        return errors

    def enclosing_function(self, node: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                return node
        return None

    def where(self, node: ast.AST) -> str:
        return f"{self.path_of.get(node, '?')}:{getattr(node, 'lineno', '?')}"

    def init_of(self, class_name: str) -> ast.FunctionDef | None:
        """The ``__init__`` an error class runs: its own, else the nearest error base's."""
        seen = set()
        while class_name in self.classes and class_name not in seen:
            seen.add(class_name)
            node = self.classes[class_name]
            for statement in node.body:
                if isinstance(statement, ast.FunctionDef) and statement.name == "__init__":
                    return statement
            class_name = next((_name(b) for b in node.bases if _name(b) in self.errors), "")
        return None


def _parameters(function: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[list[str], list[str]]:
    """(positional parameter names without self/cls, keyword-only names)."""
    positional = [a.arg for a in [*function.args.posonlyargs, *function.args.args]]
    if positional and positional[0] in ("self", "cls"):
        positional = positional[1:]
    return positional, [a.arg for a in function.args.kwonlyargs]


class _Scanner:
    def __init__(self, files: dict[str, str]):
        self.index = _Index(files)
        self.found = Found()
        self.sinks: dict[str, dict[str, _Sink]] = {}  # callable name → parameter name → where the code goes

    # --- what a code expression can be ------------------------------------------------------------------

    def resolve(self, expr: ast.AST, call: ast.AST | None, depth: int = 0) -> set[str] | None:
        """The string values ``expr`` can take, or None when the source does not say."""
        if depth > MAX_DEPTH:
            return None
        if isinstance(expr, ast.Constant):
            return {expr.value} if isinstance(expr.value, str) else None
        if isinstance(expr, ast.IfExp | ast.BoolOp):
            branches = [expr.body, expr.orelse] if isinstance(expr, ast.IfExp) else expr.values
            return self._union(branches, call, depth)
        if isinstance(expr, ast.Name):
            return self._resolve_name(expr, call, depth)
        if isinstance(expr, ast.Call):
            return self._resolve_returns(_name(expr.func), call, depth)
        return self._resolve_lookup(expr, call, depth)

    def _resolve_lookup(self, expr: ast.AST, call: ast.AST | None, depth: int) -> set[str] | None:
        """``CODES[kind]``: one of a module-level dict's values."""
        if isinstance(expr, ast.Subscript) and isinstance(expr.value, ast.Name):
            table = self.index.module_values.get((self.index.path_of[expr], expr.value.id))
            if isinstance(table, ast.Dict):
                return self._union(table.values, call, depth)
        return None

    def _union(self, exprs: list[ast.expr], call: ast.AST | None, depth: int) -> set[str] | None:
        values: set[str] = set()
        for expr in exprs:
            if isinstance(expr, ast.Constant) and expr.value is None:
                continue
            found = self.resolve(expr, call, depth + 1)
            if found is None:
                return None
            values |= found
        return values

    def _resolve_name(self, expr: ast.Name, call: ast.AST | None, depth: int) -> set[str] | None:
        function = self.index.enclosing_function(expr)
        scope = function if function is not None else self.index.trees[self.index.path_of[expr]]
        assigned = [node.value for node in ast.walk(scope)
                    if isinstance(node, ast.Assign | ast.AnnAssign | ast.NamedExpr) and node.value is not None
                    and any(isinstance(t, ast.Name) and t.id == expr.id
                            for t in (node.targets if isinstance(node, ast.Assign) else [node.target]))]
        if not assigned and (self.index.path_of[expr], expr.id) in self.index.module_values:
            assigned = [self.index.module_values[(self.index.path_of[expr], expr.id)]]
        found = self._union(assigned, call, depth) if assigned else None
        return found if found is not None else self._dict_keys_beside(expr.id, call)

    def _dict_keys_beside(self, name: str, call: ast.AST | None) -> set[str] | None:
        """``Forbidden(_REASONS[reason], code=reason)``: the code is one of the dict's keys."""
        if call is None:
            return None
        for node in ast.walk(call):
            if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)
                    and isinstance(node.slice, ast.Name) and node.slice.id == name):
                table = self.index.module_values.get((self.index.path_of[node], node.value.id))
                if isinstance(table, ast.Dict) and table.keys:
                    keys = self._union([k for k in table.keys if k is not None], None, 0)
                    if keys is not None:
                        return keys
        return None

    def _resolve_returns(self, function_name: str | None, call: ast.AST | None, depth: int) -> set[str] | None:
        functions = self.index.functions.get(function_name or "", [])
        returns = [node.value for function in functions for node in ast.walk(function)
                   if isinstance(node, ast.Return) and node.value is not None]
        return self._union(returns, call, depth) if returns else None

    # --- who takes a code -----------------------------------------------------------------------------------

    def code_argument(self, call: ast.Call) -> ast.expr | None:
        for keyword in call.keywords:
            if keyword.arg == "code":
                return keyword.value
        sinks = self.sinks.get(_name(call.func) or "", {})
        for sink in sinks.values():
            for keyword in call.keywords:
                if keyword.arg == sink.name:
                    return keyword.value
            if sink.index is not None and sink.index < len(call.args):
                return call.args[sink.index]
        return None

    def forwarded_parameter(self, call: ast.Call, expr: ast.expr) -> tuple[str, str, _Sink] | None:
        """(callable, parameter, sink) when ``expr`` is a parameter of the function around ``call``."""
        function = self.index.enclosing_function(call)
        if function is None or not isinstance(expr, ast.Name):
            return None
        positional, keyword_only = _parameters(function)
        if expr.id not in positional and expr.id not in keyword_only:
            return None
        if self._dict_keys_beside(expr.id, call) is not None:
            return None  # a parameter that indexes a dict of codes is one of its keys, whoever calls
        owner = function.name
        if owner == "__init__":
            parent = self.index.parents.get(function)
            if not isinstance(parent, ast.ClassDef):
                return None
            owner = parent.name
        index = positional.index(expr.id) if expr.id in positional else None
        return owner, expr.id, _Sink(expr.id, index)

    def find_sinks(self) -> None:
        grew = True
        while grew:
            grew = False
            for node in self._calls():
                expr = self.code_argument(node)
                forwarded = self.forwarded_parameter(node, expr) if expr is not None else None
                if forwarded and forwarded[1] not in self.sinks.get(forwarded[0], {}):
                    self.sinks.setdefault(forwarded[0], {})[forwarded[1]] = forwarded[2]
                    grew = True
        # An error class without its own __init__ takes codes the way its base's __init__ does.
        for name in self.index.errors:
            init = self.index.init_of(name)
            owner = self.index.parents.get(init) if init is not None else None
            if isinstance(owner, ast.ClassDef) and owner.name != name and owner.name in self.sinks:
                self.sinks.setdefault(name, dict(self.sinks[owner.name]))

    def _calls(self) -> list[ast.Call]:
        return [node for tree in self.index.trees.values() for node in ast.walk(tree) if isinstance(node, ast.Call)]

    # --- the three places a code is written --------------------------------------------------------------

    def record(self, expr: ast.AST, context: ast.AST | None, where: str) -> None:
        codes = self.resolve(expr, context)
        if codes is None:
            self.found.unresolved.append(f"{where}: {ast.unparse(expr)}")
        else:
            self.found.add(codes, where)

    def scan_calls(self) -> None:
        for call in self._calls():
            expr = self.code_argument(call)
            if expr is None or self.forwarded_parameter(call, expr) is not None:
                continue
            self.record(expr, call, self.index.where(call))

    def scan_class_defaults(self) -> None:
        for name in sorted(self.index.errors & set(self.index.classes)):
            for statement in self.index.classes[name].body:
                for target, value in _assignments(statement):
                    if target == "code":
                        self.record(value, None, self.index.where(statement))

    def scan_error_bodies(self) -> None:
        for tree in self.index.trees.values():
            for node in ast.walk(tree):
                if not isinstance(node, ast.Dict):
                    continue
                keys = [k.value if isinstance(k, ast.Constant) else None for k in node.keys]
                if "code" not in keys or "message" not in keys:
                    continue
                value = node.values[keys.index("code")]
                if not (isinstance(value, ast.Attribute) and value.attr == "code"):
                    self.record(value, node, self.index.where(node))


def _assignments(statement: ast.stmt) -> list[tuple[str, ast.expr]]:
    """(name, value) pairs a class-body statement assigns: ``code = "x"``, ``status, code = 400, "x"``."""
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name) and statement.value:
        return [(statement.target.id, statement.value)]
    if not isinstance(statement, ast.Assign):
        return []
    pairs = []
    for target in statement.targets:
        if isinstance(target, ast.Name):
            pairs.append((target.id, statement.value))
        elif isinstance(target, ast.Tuple) and isinstance(statement.value, ast.Tuple):
            pairs += [(t.id, v) for t, v in zip(target.elts, statement.value.elts, strict=False)
                      if isinstance(t, ast.Name)]
    return pairs


def scan(files: dict[str, str] | None = None) -> Found:
    """The codes in ``files`` (path → source; default: chalicelib) and what could not be read."""
    scanner = _Scanner(source_files() if files is None else files)
    scanner.find_sinks()
    scanner.scan_calls()
    scanner.scan_class_defaults()
    scanner.scan_error_bodies()
    return scanner.found
