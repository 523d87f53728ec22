"""Meta-tests of the handler registry: every handler is a real botocore operation, and every error code
a handler can raise is one its operation models (or a common one), reported per operation.

The codes are found statically: from each handler function, the calls it makes are followed (module
functions, imported functions and modules, constructors, `self.` methods, and methods whose name only
one roost class defines) across roost's modules, collecting the string literals ending in "Exception"
given to ApiError. A code passed in as a parameter (`decode_token(..., error_code=...)`) is what each
call passes, or the parameter's default. An ApiError raised inside a `try` whose `except` catches it
(and does not re-raise) does not escape. A code is judged as the wire answers it (see
`roost.api.app.answered_code`). What this cannot see (a callback passed as a value, a method name
several classes share) the fuzz test (test_fuzz.py) covers at run time.
"""

from __future__ import annotations

import ast
import functools
import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from roost.api.app import answered_code
from roost.api.operations import load_operations
from roost.api.service_model import COMMON_ERRORS, config_model, modeled_errors, operation_model

ROOT = Path(__file__).resolve().parents[2]
CATCHES_API_ERROR = {"ApiError", "RoostError", "Exception", "BaseException"}

Key = tuple[str, str]  # (module, qualified function name)

#: (operation, code) the scan finds but no request can reach, each with the reason. An entry the scan
#: no longer finds fails the test too, so this list cannot go stale silently.
UNREACHABLE: dict[tuple[str, str], str] = {
    ("PutConfigurationRecorder", "TooManyTagsException"): (
        "tags.check_tags raises it for more than 50 distinct keys; the model caps Tags at 50 "
        "(ValidationException before the handler runs)"
    ),
}


@dataclass(frozen=True)
class Raise:
    code: str
    where: str  # path:line of the ApiError(...)


@dataclass
class _Module:
    name: str
    path: str
    functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = field(default_factory=dict)
    classes: dict[str, list[str]] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    """Local name -> (module, None) for a module, (module, name) for a name imported from one."""


def _is_module(name: str) -> bool:
    """Whether `name` is a roost module (found by path: importing to find out is slow)."""
    if name != "roost" and not name.startswith("roost."):
        return False
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _default_source(module: str) -> tuple[str, str] | None:
    """(path from the repository root, source) of a roost module, or None for anything else."""
    if not _is_module(module):
        return None
    path = ROOT.joinpath(*module.split("."))
    path = path.with_suffix(".py") if path.with_suffix(".py").is_file() else path / "__init__.py"
    return str(path.relative_to(ROOT)), path.read_text()


class Scanner:
    """Which ApiError codes a function can let escape, following calls through roost's modules."""

    def __init__(
        self,
        source: Callable[[str], tuple[str, str] | None] = _default_source,
        is_module: Callable[[str], bool] = _is_module,
    ) -> None:
        self._source = source
        self._is_module = is_module
        self._modules: dict[str, _Module | None] = {}
        self._memo: dict[Key, _Summary] = {}
        self._methods: dict[str, list[Key]] | None = None
        self.known_modules: set[str] = set()

    # --- indexing -----------------------------------------------------------------------------------

    def module(self, name: str) -> _Module | None:
        if name not in self._modules:
            self._modules[name] = self._index(name)
        return self._modules[name]

    def _index(self, name: str) -> _Module | None:
        found = self._source(name)
        if found is None:
            return None
        path, text = found
        tree = ast.parse(text)
        info = _Module(name, path)
        package = name if path.endswith("__init__.py") else name.rpartition(".")[0]
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                info.functions[node.name] = node
            elif isinstance(node, ast.ClassDef):
                methods = []
                for item in node.body:
                    if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                        info.functions[f"{node.name}.{item.name}"] = item
                        methods.append(item.name)
                info.classes[node.name] = methods
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                value = node.value
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    for target in targets:
                        if isinstance(target, ast.Name):
                            info.constants[target.id] = value.value
        for node in ast.walk(tree):  # imports anywhere, function-local ones too
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        info.aliases[alias.asname] = (alias.name, None)
                    else:
                        top = alias.name.split(".")[0]
                        info.aliases[top] = (top, None)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")
                    parent = ".".join(parts[: len(parts) - node.level + 1])
                    base = f"{parent}.{base}" if base else parent
                for alias in node.names:
                    local = alias.asname or alias.name
                    if self._is_module(f"{base}.{alias.name}"):
                        info.aliases[local] = (f"{base}.{alias.name}", None)
                    else:
                        info.aliases[local] = (base, alias.name)
        self.known_modules.add(name)
        return info

    def _resolve_name(self, module: str, name: str, depth: int = 0) -> list[Key]:
        """The functions (or a class's constructor) `name` stands for in `module`."""
        info = self.module(module)
        if info is None or depth > 5:
            return []
        if name in info.functions:
            return [(module, name)]
        if name in info.classes:
            return [(module, f"{name}.{m}") for m in ("__init__", "__post_init__") if m in info.classes[name]]
        target = info.aliases.get(name)
        if target is not None and target[1] is not None:
            return self._resolve_name(target[0], target[1], depth + 1)  # follows re-exports
        return []

    def _module_alias(self, module: str, name: str) -> str | None:
        info = self.module(module)
        if info is None:
            return None
        target = info.aliases.get(name)
        if target is not None and target[1] is None:
            return target[0]
        return None

    def _unique_method(self, name: str) -> list[Key]:
        """The one roost method called `name`, if only one class defines it."""
        if self._methods is None:
            self._methods = {}
            for path in sorted((ROOT / "roost").rglob("*.py")):
                parts = path.relative_to(ROOT).with_suffix("").parts
                module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
                info = self.module(module)
                if info is None:
                    continue
                for cls, methods in info.classes.items():
                    for method in methods:
                        self._methods.setdefault(method, []).append((module, f"{cls}.{method}"))
        candidates = self._methods.get(name, [])
        return candidates if len(candidates) == 1 else []

    # --- scanning -----------------------------------------------------------------------------------

    def escaping(self, module: str, function: str) -> dict[Raise, tuple[str, ...]]:
        """Each ApiError code that can escape `module.function`, with the chain of calls to it."""
        return self._summary(module, function).fixed

    def _summary(self, module: str, function: str) -> _Summary:
        key = (module, function)
        if key in self._memo:
            return self._memo[key]
        self._memo[key] = _Summary()  # recursion guard
        info = self.module(module)
        node = info.functions.get(function) if info else None
        if info is None or node is None:
            return self._memo[key]
        visitor = _FunctionVisitor(self, info, function, node)
        for statement in node.body:
            visitor.visit(statement)
        here = f"{module}.{function}"
        summary = _Summary({r: (here,) for r in visitor.raises}, dict.fromkeys(visitor.parametric))
        for callee in visitor.callees:
            for raised, chain in self._summary(*callee).fixed.items():
                summary.fixed.setdefault(raised, (here, *chain))
        # A code the callee takes as a parameter: what this call passes, or the parameter's default.
        for callees, call in visitor.calls:
            for callee in callees:
                for param, where in self._summary(*callee).parametric:
                    passed = _argument(call, callee, param, self.module(callee[0]))
                    for code in visitor.codes_of(passed, param_default(self, callee, param)):
                        if isinstance(code, str):
                            chain = (here, f"{callee[0]}.{callee[1]}")
                            summary.fixed.setdefault(Raise(code, where), chain)
                        else:
                            summary.parametric.setdefault((code[0], where))
        self._memo[key] = summary
        return summary


@dataclass
class _Summary:
    fixed: dict[Raise, tuple[str, ...]] = field(default_factory=dict)
    parametric: dict[tuple[str, str], None] = field(default_factory=dict)
    """(parameter, where): an ApiError whose code is that parameter of the function."""


def _parameters(node: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, tuple[int | None, str | None]]:
    """Parameter name -> (position or None for keyword-only, its default when a string)."""
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    found: dict[str, tuple[int | None, str | None]] = {}
    for index, (arg, default) in enumerate(zip(positional, defaults, strict=True)):
        found[arg.arg] = (index, _string(default))
    for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        found[arg.arg] = (None, _string(kw_default))
    return found


def _string(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def param_default(scanner: Scanner, callee: Key, param: str) -> str | None:
    info = scanner.module(callee[0])
    node = info.functions.get(callee[1]) if info else None
    return _parameters(node).get(param, (None, None))[1] if node else None


def _argument(call: ast.Call, callee: Key, param: str, info: _Module | None) -> ast.expr | None:
    """The expression `call` passes for `param` of `callee`, or None if it passes none."""
    for keyword in call.keywords:
        if keyword.arg == param:
            return keyword.value
    node = info.functions.get(callee[1]) if info else None
    if node is None:
        return None
    index = _parameters(node).get(param, (None, None))[0]
    if index is None:
        return None
    if "." in callee[1]:
        index -= 1  # a method (or constructor): `self` is not passed
    if 0 <= index < len(call.args) and not any(isinstance(a, ast.Starred) for a in call.args[: index + 1]):
        return call.args[index]
    return None


def _catches_api_error(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    for kind in types:
        name = kind.id if isinstance(kind, ast.Name) else kind.attr if isinstance(kind, ast.Attribute) else ""
        if name in CATCHES_API_ERROR:
            return True
    return False


def _reraises(handler: ast.ExceptHandler) -> bool:
    for node in ast.walk(handler):
        if isinstance(node, ast.Raise):
            if node.exc is None:
                return True
            if isinstance(node.exc, ast.Name) and node.exc.id == handler.name:
                return True
    return False


class _FunctionVisitor(ast.NodeVisitor):
    def __init__(
        self,
        scanner: Scanner,
        module: _Module,
        function: str,
        node: ast.FunctionDef | ast.AsyncFunctionDef | None = None,
    ) -> None:
        self.scanner = scanner
        self.module = module
        self.cls = function.split(".")[0] if "." in function else None
        self.params = _parameters(node) if node is not None else {}
        self.caught = 0
        self.every_code = False  # count ApiErrors inside try blocks that catch them too
        self.raises: set[Raise] = set()
        self.parametric: list[tuple[str, str]] = []
        self.callees: set[Key] = set()
        self.calls: list[tuple[list[Key], ast.Call]] = []

    def visit_Try(self, node: ast.Try) -> None:
        swallowed = any(_catches_api_error(h) and not _reraises(h) for h in node.handlers)
        self.caught += swallowed
        for statement in node.body:
            self.visit(statement)
        self.caught -= swallowed
        for part in [*node.handlers, *node.orelse, *node.finalbody]:
            self.visit(part)

    visit_TryStar = visit_Try  # type: ignore[assignment]

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.generic_visit(node)  # a nested function: assume it is called

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name == "ApiError" and (self.every_code or not self.caught):
            where = f"{self.module.path}:{node.lineno}"
            args = list(node.args[:1]) + [k.value for k in node.keywords if k.arg == "code"]
            for arg in args:
                if isinstance(arg, ast.Name) and arg.id in self.params:
                    self.parametric.append((arg.id, where))
                for code in self._codes(arg):
                    self.raises.add(Raise(code, where))
        elif not self.caught:
            callees = self._resolve_call(func)
            if callees:
                self.calls.append((callees, node))
        self.generic_visit(node)

    def _resolve_call(self, func: ast.expr) -> list[Key]:
        if isinstance(func, ast.Name):
            return self.scanner._resolve_name(self.module.name, func.id)
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            target = self.scanner._module_alias(self.module.name, func.value.id)
            if target is not None:
                return self.scanner._resolve_name(target, func.attr)
            key = f"{self.cls}.{func.attr}"
            if func.value.id in ("self", "cls") and key in self.module.functions:
                return [(self.module.name, key)]
        return []

    def codes_of(self, passed: ast.expr | None, default: str | None) -> Iterator[str | tuple[str]]:
        """The codes an argument stands for: literals, or (parameter,) for one of this function's."""
        if passed is None:
            if default is not None:
                yield default
            return
        if isinstance(passed, ast.Name) and passed.id in self.params:
            yield (passed.id,)
        yield from self._codes(passed)

    def _codes(self, node: ast.expr) -> Iterator[str]:
        for part in ast.walk(node):
            if (
                isinstance(part, ast.Constant)
                and isinstance(part.value, str)
                and part.value.endswith("Exception")
            ):
                yield part.value
            elif isinstance(part, ast.Name) and part.id in self.module.constants:
                value = self.module.constants[part.id]
                if value.endswith("Exception"):
                    yield value

    def _callee(self, keys: list[Key]) -> None:
        if not self.caught:
            self.callees.update(keys)

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self._callee(self.scanner._resolve_name(self.module.name, node.id))

    def visit_Attribute(self, node: ast.Attribute) -> None:
        value = node.value
        if isinstance(value, ast.Name):
            target = self.scanner._module_alias(self.module.name, value.id)
            if target is not None:
                self._callee(self.scanner._resolve_name(target, node.attr))
                return
            if value.id in ("self", "cls") and self.cls is not None:
                key = f"{self.cls}.{node.attr}"
                if key in self.module.functions:
                    self._callee([(self.module.name, key)])
                    return
        if isinstance(node.ctx, ast.Load):
            self._callee(self.scanner._unique_method(node.attr))
        self.generic_visit(node)


# --- the tests --------------------------------------------------------------------------------------


def _handlers() -> list[tuple[str, str, str]]:
    """(operation, module, function) of every registered handler."""
    found = []
    for name, handler in load_operations().items():
        function = inspect.unwrap(handler)
        found.append((name, function.__module__, function.__qualname__))
    return found


@functools.cache
def _scanner() -> Scanner:
    return Scanner()


def test_every_handler_is_a_real_operation_in_an_operations_module() -> None:
    model_names = set(config_model().operation_names)
    handlers = _handlers()
    assert handlers, "no operation is registered"
    for name, module, function in handlers:
        assert name in model_names, f"{module}.{function} registers {name}, which botocore's model lacks"
        assert operation_model(name) is not None
        assert module.startswith("roost.api.operations."), f"{name} is handled outside roost/api/operations"
        assert "<locals>" not in function, f"{name}'s handler is not a module-level function"


def test_every_error_a_handler_can_raise_is_modeled_for_its_operation() -> None:
    scanner = _scanner()
    problems = []
    excused = set()
    for name, module, function in _handlers():
        allowed = modeled_errors(name) | COMMON_ERRORS
        for raised, chain in sorted(scanner.escaping(module, function).items(), key=lambda kv: kv[0].code):
            answered = answered_code(name, raised.code)
            if answered in allowed:
                continue
            if (name, raised.code) in UNREACHABLE:
                excused.add((name, raised.code))
                continue
            via = " -> ".join(chain)
            problems.append(f"{name}: {raised.code} at {raised.where} (via {via})")
    assert not problems, (
        "handlers can answer errors their operation does not model (botocore's model lists the modeled "
        "ones; roost.api.service_model.modeled_errors):\n  " + "\n  ".join(problems)
    )
    registered = set(load_operations())
    stale = [key for key in UNREACHABLE if key[0] in registered and key not in excused]
    assert not stale, f"remove these from UNREACHABLE in {Path(__file__).name}: {stale}"


def test_every_error_code_in_roost_is_a_real_aws_config_error() -> None:
    """A typo in an error name ("NoSuchConfigurationRecorderExcepton") makes an error no SDK knows."""
    model = config_model()
    known = {shape for name in model.operation_names for shape in modeled_errors(name)} | COMMON_ERRORS
    scanner = _scanner()
    unknown = []
    for path in sorted((ROOT / "roost").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        info = scanner.module(module)
        assert info is not None
        for function in info.functions:
            visitor = _FunctionVisitor(scanner, info, function)
            visitor.every_code = True
            for statement in info.functions[function].body:
                visitor.visit(statement)
            unknown += [f"{r.code} at {r.where}" for r in visitor.raises if r.code not in known]
    assert not unknown, "not an error of AWS Config's model nor a common one:\n  " + "\n  ".join(
        sorted(set(unknown))
    )


def test_the_scan_finds_the_errors_of_the_recorder_operations() -> None:
    """The scanner itself, on handlers whose errors are known (through helpers and other modules)."""
    scanner = _scanner()
    handlers = {name: (module, function) for name, module, function in _handlers()}
    if "PutConfigurationRecorder" not in handlers:
        pytest.skip("PutConfigurationRecorder is not registered")
    codes = {r.code for r in scanner.escaping(*handlers["PutConfigurationRecorder"])}
    # in roost/recorder/configuration.py, and in recording_group.py behind a helper returning ApiError
    assert {"InvalidRoleException", "InvalidRecordingGroupException"} <= codes


# A small package to test the scanner's rules on, independent of what the handlers do today.
FAKE = {
    "fake.ops": """
from fake import rules
from fake.rules import check as checked, Thing
from fake.errors import ApiError

NOT_FOUND = "NoSuchThingException"

def _no_such():
    return ApiError(NOT_FOUND, "no")

def handler(ctx):
    if ctx:
        raise _no_such()
    rules.validate(ctx)
    checked(ctx)
    Thing(ctx)
    try:
        rules.swallowed(ctx)
    except ApiError as error:
        raise ApiError("ValidationException", error.message) from None
    try:
        rules.reraised(ctx)
    except ApiError:
        raise
    try:
        rules.other(ctx)
    except KeyError:
        pass
    rules.decode(ctx, error_code="OverriddenException")
    rules.limit(ctx)
    rules.forward(ctx, "ForwardedException")
""",
    "fake.rules": """
from fake.errors import ApiError

def validate(x):
    raise ApiError("A" + "Exception" if x else "BException", "")

def check(x):
    _deeper(x)

def _deeper(x):
    raise ApiError(code="DeepException", message="")

def swallowed(x):
    raise ApiError("SwallowedException", "")

def reraised(x):
    raise ApiError("ReraisedException", "")

def other(x):
    raise ApiError("OtherException", "")

def decode(token, *, error_code="InvalidTokenException"):
    raise ApiError(error_code, "")

def limit(value, code="LimitException"):
    raise ApiError(code, "")

def forward(value, code):
    limit(value, code)

class Thing:
    def __init__(self, x):
        self._check(x)

    def _check(self, x):
        raise ApiError("ConstructedException", "")
""",
    "fake.errors": "class ApiError(Exception):\n    pass\n",
}


def test_the_scanner_follows_calls_and_respects_except_clauses() -> None:
    scanner = Scanner(
        source=lambda module: (module.replace(".", "/") + ".py", FAKE[module]) if module in FAKE else None,
        is_module=lambda module: module in FAKE,
    )
    found = scanner.escaping("fake.ops", "handler")
    codes = {r.code for r in found}
    assert codes == {
        "NoSuchThingException",
        "BException",
        "Exception",  # the literal pieces of a computed code are reported as they are
        "DeepException",
        "ValidationException",
        "ReraisedException",
        "OtherException",
        "ConstructedException",
        "OverriddenException",  # not decode's default InvalidTokenException: the call passes another
        "LimitException",  # limit's default
        "ForwardedException",  # passed on through forward's parameter
    }
    chain = next(c for r, c in found.items() if r.code == "DeepException")
    assert chain == ("fake.ops.handler", "fake.rules.check", "fake.rules._deeper")
    where = next(r.where for r in found if r.code == "NoSuchThingException")
    assert where == "fake/ops.py:9"
