"""Text that is not valid Unicode is refused as INVALID_INPUT before anything runs.

A lone surrogate (`"\\ud800"` in JSON) is a Python string but not Unicode: it cannot be written to
MongoDB, compared or shown. graphql-core's lexer already refuses one in a document (a syntax
error, which `recode_invalid_unicode` gives the INVALID_INPUT code), and graphql-core forbids
replacing the String and ID scalars, so variables — every string argument and input field an app
sends, a Relay id included — are checked here, once per operation, for HTTP and websockets alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError, GraphQLSyntaxError, OperationDefinitionNode, VariableDefinitionNode
from strawberry.extensions import SchemaExtension

INVALID_INPUT = "INVALID_INPUT"
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # a well-formed str holds a pair as one code point
_SURROGATE_ESCAPE = re.compile(r"\\u(?:[dD][89a-fA-F][0-9a-fA-F]{2}|\{0*[dD][89a-fA-F][0-9a-fA-F]{2}\})")


def lone_surrogate(text: str) -> re.Match[str] | None:
    """Where `text` stops being valid Unicode, if it does."""
    return None if text.isascii() else _LONE_SURROGATE.search(text)


def first_invalid_text(value: Any) -> tuple[str, re.Match[str]] | None:
    """The path (`[0].email`) and position of a text in `value`, a key or a string, that is not
    valid Unicode, if any; walked without recursion (the view bounds JSON depth, callers vary)."""
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            found = lone_surrogate(item)
            if found is not None:
                return path, found
        elif isinstance(item, dict):
            for key, inner in item.items():
                if isinstance(key, str) and (found := lone_surrogate(key)) is not None:
                    return f"{path}.{key!a}", found
                stack.append((f"{path}.{key}", inner))
        elif isinstance(item, list | tuple):
            stack.extend((f"{path}[{index}]", inner) for index, inner in enumerate(item))
    return None


def _definitions(context: Any) -> dict[str, VariableDefinitionNode]:
    document = context.graphql_document
    definitions: dict[str, VariableDefinitionNode] = {}
    for definition in document.definitions if document else ():
        if isinstance(definition, OperationDefinitionNode):
            for variable in definition.variable_definitions or ():
                definitions.setdefault(variable.variable.name.value, variable)
    return definitions


def invalid_variables(variables: dict[str, Any], context: Any) -> list[GraphQLError]:
    """One INVALID_INPUT error per variable holding text that is not valid Unicode."""
    errors = []
    definitions: dict[str, VariableDefinitionNode] | None = None
    for name, value in variables.items():
        invalid: tuple[str, re.Match[str]] | None
        in_name = lone_surrogate(name)
        if in_name is not None:
            invalid = ("", in_name)
            where = f"A variable name ({name!a})"
        else:
            invalid = first_invalid_text(value)
            where = f"Variable '${name}'"
        if invalid is None:
            continue
        path, found = invalid
        if definitions is None:
            definitions = _definitions(context)
        at = f"{path.lstrip('.')}, " if path else ""
        errors.append(
            GraphQLError(
                f"{where} is not valid Unicode: it holds a lone surrogate (U+{ord(found.group()):04X}) "
                f"at {at}character {found.start()}. Send text as UTF-8.",
                definitions.get(name),
                extensions={"code": INVALID_INPUT},
            )
        )
    return errors


class UnicodeVariables(SchemaExtension):
    """Listed after the validation cache: its errors join the validation errors, so the operation
    is refused as an invalid request (HTTP 400; an `error` message on a websocket)."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if context.variables:
            errors = invalid_variables(context.variables, context)
            if errors:
                # A new list: the validation cache's own may be shared with later requests.
                context.pre_execution_errors = [*errors, *(context.pre_execution_errors or [])]
        yield


def _refuses_lone_surrogate(error: GraphQLError) -> bool:
    """Whether `error` is the lexer refusing a lone surrogate in a document, raw or escaped."""
    if not isinstance(error, GraphQLSyntaxError) or error.source is None or not error.positions:
        return False
    body, at = error.source.body, next(iter(error.positions))
    return lone_surrogate(body[at : at + 1]) is not None or _SURROGATE_ESCAPE.match(body, at) is not None


def recode_invalid_unicode(errors: list[GraphQLError]) -> None:
    """Give the syntax errors that are invalid Unicode in a document the INVALID_INPUT code, in place."""
    for index, error in enumerate(errors):
        if _refuses_lone_surrogate(error):
            errors[index] = GraphQLError(
                error.message,
                source=error.source,
                positions=error.positions,
                extensions={"code": INVALID_INPUT},
            )
