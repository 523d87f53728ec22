"""Reading a CloudFormation template and evaluating its intrinsic functions (no I/O).

Two halves, both used by roost.packs.template:

* `load_yaml` / `load_json` read a template body. The YAML loader knows CloudFormation's short-form
  tags (`!Ref x` becomes `{"Ref": "x"}`, `!Sub ...` becomes `{"Fn::Sub": ...}`) and keeps every plain
  scalar's text, because CloudFormation hands every value on as a string in the end: `90` stays
  "90", `2020-01-01` and `0777` stay as written, `yes` stays "yes" (YAML 1.1 would make them a
  date, 511 and True). Only `true`/`false` (any of YAML's three casings) become "true"/"false",
  which is what AWS sends. `plain` then turns what explicit tags or JSON produced (ints, booleans)
  into the same strings, so the evaluator only ever sees str, None, lists and dicts.
* `Resolver` evaluates Ref, Fn::If, Fn::Sub, Fn::Join, Fn::Select, Fn::Split, Fn::FindInMap and the
  condition functions the way CloudFormation does, and refuses the functions a conformance pack
  cannot use (Fn::GetAtt, Fn::ImportValue, ...) naming the function and its place.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, Final

import yaml

from roost.errors import RoostError


class TemplateError(RoostError):
    """A template AWS would refuse, or that roost cannot render; the message names the place."""


class _NoValue:
    """`Ref: AWS::NoValue`: the key or list element it stands for is dropped."""

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE: Final = _NoValue()

#: The functions a conformance pack template may use outside Conditions.
SUPPORTED: Final = ("Ref", "Fn::If", "Fn::Sub", "Fn::Join", "Fn::Select", "Fn::Split", "Fn::FindInMap")
CONDITION_FUNCTIONS: Final = ("Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or", "Condition")
_SHORT_FORMS: Final = (
    *("Ref", "Condition", "If", "Equals", "Not", "And", "Or", "Sub", "Join", "Select", "Split"),
    *("FindInMap", "GetAtt", "ImportValue", "GetAZs", "Base64", "Cidr", "Transform", "Length"),
    "ToJsonString",
)


def join_path(path: str, key: str) -> str:
    """The dotted place of `key` under `path` (errors name places this way)."""
    return f"{path}.{key}" if path else key


# --- Reading -------------------------------------------------------------------------------------

_BOOL_TAG = "tag:roost,2024:bool"
_KEPT_RESOLVERS = ("tag:yaml.org,2002:null", "tag:yaml.org,2002:merge")


class _TemplateLoader(yaml.SafeLoader):
    """SafeLoader keeping plain scalars' text, with the short-form tags, refusing duplicate keys and
    aliases (CloudFormation takes none; a few nested aliases in a short body would otherwise expand
    to billions of nodes)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "YAML aliases (*name) are not allowed in a template", mark
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, _ in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                    if key_node.value in seen:
                        raise yaml.constructor.ConstructorError(
                            None, None, f"duplicate key {key_node.value!r}", key_node.start_mark
                        )
                    seen.add(key_node.value)
        return super().construct_mapping(node, deep=deep)


def _short_form(name: str) -> Callable[[Any, Any], dict[str, Any]]:
    key = name if name in ("Ref", "Condition") else f"Fn::{name}"

    def construct(loader: Any, node: Any) -> dict[str, Any]:
        value: Any
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
            if name == "GetAtt":
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {key: value}

    return construct


_TemplateLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag in _KEPT_RESOLVERS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_TemplateLoader.add_implicit_resolver(
    _BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_TemplateLoader.add_constructor(_BOOL_TAG, lambda loader, node: str(node.value).lower())
for _name in _SHORT_FORMS:
    _TemplateLoader.add_constructor(f"!{_name}", _short_form(_name))


def load_yaml(body: str) -> Any:
    """The YAML document in `body`; TemplateError with the line and column on a syntax error."""
    try:
        return yaml.load(body, Loader=_TemplateLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        context = f" ({exc.context})" if exc.context else ""
        raise TemplateError(f"template is not valid YAML: {where}{exc.problem}{context}") from None
    except yaml.YAMLError as exc:
        raise TemplateError(f"template is not valid YAML: {exc}") from None


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise TemplateError(f"template is not valid JSON: duplicate key {key!r}")
        result[key] = value
    return result


def load_json(body: str) -> Any:
    """The JSON document in `body`, numbers kept as written; TemplateError with line and column."""
    try:
        return json.loads(
            body,
            object_pairs_hook=_unique_pairs,
            parse_int=str,
            parse_float=str,
            parse_constant=str,
        )
    except json.JSONDecodeError as exc:
        raise TemplateError(
            f"template is not valid JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None


def plain(value: Any, path: str = "") -> Any:
    """`value` with every scalar a string (or None), as CloudFormation passes values on."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list):
        return [plain(item, f"{path}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, dict):
        result: dict[str, Any] = {}
        for key, item in value.items():
            name = plain(key, path)
            if not isinstance(name, str):
                raise TemplateError(f"{path or 'template'}: a key must be a string, not {key!r}")
            result[name] = plain(item, join_path(path, name))
        return result
    raise TemplateError(f"{path or 'template'}: a {type(value).__name__} value is not allowed")


# --- Evaluating ----------------------------------------------------------------------------------

_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
ResourceRef = Callable[[str, str], str | None]


def function_of(value: Any) -> str | None:
    """The intrinsic function `value` calls (`Ref`, `Fn::Sub`, ...), or None for plain data."""
    if isinstance(value, dict) and len(value) == 1:
        (key,) = value
        if key == "Ref" or key.startswith("Fn::"):
            return str(key)
    return None


class Resolver:
    """Evaluates intrinsic functions against a template's parameters, mappings and conditions.

    `resource_ref(logical_id, path)` answers a Ref to a resource (None: no such resource); the
    template module supplies it because only it knows what a Ref to each resource type returns.
    """

    def __init__(
        self,
        *,
        parameters: Mapping[str, str | list[str]],
        pseudo: Mapping[str, str | list[str]],
        mappings: Mapping[str, Any],
        conditions: Mapping[str, Any],
        resource_ref: ResourceRef,
    ) -> None:
        self._parameters = parameters
        self._pseudo = pseudo
        self._mappings = mappings
        self._conditions = conditions
        self._resource_ref = resource_ref
        self._decided: dict[str, bool] = {}
        self._deciding: list[str] = []
        self._functions: dict[str, Callable[[Any, str], Any]] = {
            "Ref": self._ref,
            "Fn::If": self._if,
            "Fn::Sub": self._sub,
            "Fn::Join": self._join,
            "Fn::Select": self._select,
            "Fn::Split": self._split,
            "Fn::FindInMap": self._find_in_map,
        }

    def resolve(self, value: Any, path: str) -> Any:
        """`value` with every intrinsic function evaluated; NO_VALUE keys and elements dropped."""
        function = function_of(value)
        if function is not None:
            return self._call(function, value[function], path)
        if isinstance(value, dict):
            resolved = {key: self.resolve(item, join_path(path, key)) for key, item in value.items()}
            return {key: item for key, item in resolved.items() if item is not NO_VALUE}
        if isinstance(value, list):
            items = [self.resolve(item, f"{path}[{i}]") for i, item in enumerate(value)]
            return [item for item in items if item is not NO_VALUE]
        return value

    def condition(self, name: str, path: str) -> bool:
        """The value of the named condition (evaluated once; cycles refused)."""
        if name in self._decided:
            return self._decided[name]
        if name not in self._conditions:
            raise TemplateError(f"{path}: condition {name!r} is not defined in Conditions")
        if name in self._deciding:
            cycle = " -> ".join([*self._deciding[self._deciding.index(name) :], name])
            raise TemplateError(f"Conditions.{name}: conditions refer to each other in a cycle: {cycle}")
        self._deciding.append(name)
        try:
            value = self._condition(self._conditions[name], f"Conditions.{name}")
        finally:
            self._deciding.pop()
        self._decided[name] = value
        return value

    def ref(self, name: str, path: str, function: str = "Ref") -> Any:
        """What `Ref: name` stands for: a pseudo parameter, a parameter or a resource."""
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self._pseudo:
            return copy.copy(self._pseudo[name])
        if name.startswith("AWS::"):
            raise TemplateError(f"{path}: {function}: {name} is not a pseudo parameter")
        if name in self._parameters:
            return copy.copy(self._parameters[name])
        if self._deciding:
            raise TemplateError(f"{path}: {function}: a condition can only refer to parameters, not {name!r}")
        target = self._resource_ref(name, path)
        if target is None:
            raise TemplateError(
                f"{path}: {function} to {name!r}, which is neither a parameter nor a resource of the template"
            )
        return target

    def _call(self, function: str, args: Any, path: str) -> Any:
        handler = self._functions.get(function)
        if handler is not None:
            return handler(args, path)
        if function in CONDITION_FUNCTIONS:
            raise TemplateError(f"{path}: {function} can only be used in Conditions")
        raise TemplateError(
            f"{path}: {function} is not supported in a conformance pack template "
            f"(roost supports {', '.join(SUPPORTED)}, and {', '.join(CONDITION_FUNCTIONS[:4])} in Conditions)"
        )

    def _condition(self, expression: Any, path: str) -> bool:
        function = next(iter(expression)) if isinstance(expression, dict) and len(expression) == 1 else None
        if function not in CONDITION_FUNCTIONS:
            raise TemplateError(f"{path}: a condition is one of {', '.join(CONDITION_FUNCTIONS)}")
        args = expression[function]
        if function == "Condition":
            if not isinstance(args, str):
                raise TemplateError(f"{path}: Condition takes the name of a condition")
            return self.condition(args, path)
        if function == "Fn::Equals":
            if not (isinstance(args, list) and len(args) == 2):
                raise TemplateError(f"{path}: Fn::Equals takes a list of two values")
            left, right = (self.resolve(arg, path) for arg in args)
            if left is NO_VALUE or right is NO_VALUE:
                raise TemplateError(f"{path}: Fn::Equals cannot compare AWS::NoValue")
            return bool(left == right)
        low = 1 if function == "Fn::Not" else 2
        high = 1 if function == "Fn::Not" else 10
        if not (isinstance(args, list) and low <= len(args) <= high):
            size = "one condition" if low == high else f"{low} to {high} conditions"
            raise TemplateError(f"{path}: {function} takes a list of {size}")
        values = [self._condition(arg, path) for arg in args]
        if function == "Fn::Not":
            return not values[0]
        return all(values) if function == "Fn::And" else any(values)

    def _ref(self, args: Any, path: str) -> Any:
        if not isinstance(args, str):
            raise TemplateError(f"{path}: Ref takes the name of a parameter or a resource")
        return self.ref(args, path)

    def _if(self, args: Any, path: str) -> Any:
        if not (isinstance(args, list) and len(args) == 3 and isinstance(args[0], str)):
            raise TemplateError(f"{path}: Fn::If takes [condition name, value if true, value if false]")
        return self.resolve(args[1] if self.condition(args[0], path) else args[2], path)

    def _sub(self, args: Any, path: str) -> str:
        variables: dict[str, Any] = {}
        if isinstance(args, list) and len(args) == 2 and isinstance(args[1], dict):
            args, variables = args[0], {k: self.resolve(v, path) for k, v in args[1].items()}
        if not isinstance(args, str):
            raise TemplateError(f"{path}: Fn::Sub takes a string or [string, {{variables}}]")

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1).strip()
            if name.startswith("!"):
                return "${" + match.group(1)[1:] + "}"
            if name in variables:
                value = variables[name]
            elif "." in name:
                raise TemplateError(
                    f"{path}: Fn::Sub: ${{{name}}} is an attribute (Fn::GetAtt), which is not supported "
                    "in a conformance pack template"
                )
            else:
                value = self.ref(name, path, "Fn::Sub")
            if not isinstance(value, str):
                raise TemplateError(f"{path}: Fn::Sub: ${{{name}}} is not a string")
            return value

        return _SUB_VARIABLE.sub(substitute, args)

    def _join(self, args: Any, path: str) -> str:
        if not (isinstance(args, list) and len(args) == 2 and isinstance(args[0], str)):
            raise TemplateError(f"{path}: Fn::Join takes [delimiter, list of values]")
        items = self.resolve(args[1], path)
        if not (isinstance(items, list) and all(isinstance(item, str) for item in items)):
            raise TemplateError(f"{path}: Fn::Join: the values to join must be a list of strings")
        return args[0].join(items)

    def _select(self, args: Any, path: str) -> Any:
        if not (isinstance(args, list) and len(args) == 2):
            raise TemplateError(f"{path}: Fn::Select takes [index, list of values]")
        index, items = self.resolve(args[0], path), self.resolve(args[1], path)
        if not (isinstance(index, str) and index.isascii() and index.isdigit()):
            raise TemplateError(f"{path}: Fn::Select: the index must be a whole number, not {index!r}")
        if not isinstance(items, list):
            raise TemplateError(f"{path}: Fn::Select: the values to select from must be a list")
        if int(index) >= len(items):
            raise TemplateError(
                f"{path}: Fn::Select: index {index} is out of range (the list has {len(items)} items)"
            )
        return items[int(index)]

    def _split(self, args: Any, path: str) -> list[str]:
        if not (isinstance(args, list) and len(args) == 2 and isinstance(args[0], str) and args[0]):
            raise TemplateError(f"{path}: Fn::Split takes [delimiter, string]")
        source = self.resolve(args[1], path)
        if not isinstance(source, str):
            raise TemplateError(f"{path}: Fn::Split: the value to split must be a string")
        return source.split(args[0])

    def _find_in_map(self, args: Any, path: str) -> Any:
        if not (isinstance(args, list) and len(args) == 3):
            raise TemplateError(f"{path}: Fn::FindInMap takes [map name, top-level key, second-level key]")
        keys = [self.resolve(arg, path) for arg in args]
        if not all(isinstance(key, str) for key in keys):
            raise TemplateError(f"{path}: Fn::FindInMap: the map name and keys must be strings")
        found: Any = self._mappings
        for place, key in zip(("Mappings", *keys[:2]), keys, strict=True):
            if not isinstance(found, dict) or key not in found:
                raise TemplateError(f"{path}: Fn::FindInMap: {place} has no {key!r}")
            found = found[key]
        return copy.deepcopy(found)
