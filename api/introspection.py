"""Introspection answered off the event loop and remembered: a full introspection builds some
13,000 values in pure Python (~80 ms here), which on the loop would keep every other request
waiting; the answer depends on the document alone, so a repeated one is served from memory."""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import AsyncIterator
from typing import Any

from graphql import (
    ExecutionResult,
    FieldNode,
    OperationDefinitionNode,
    OperationType,
    execute,
    get_operation_ast,
)
from strawberry.extensions import SchemaExtension

from api.cpu_work import off_the_loop
from api.document_measure import INTROSPECTION_ROOTS

INTROSPECTION_FIELDS = frozenset({*INTROSPECTION_ROOTS, "__typename"})
REMEMBERED = 8  # distinct introspection documents kept (GraphiQL and codegen tools send one or two)


def introspection_only(operation: OperationDefinitionNode | None) -> bool:
    """A query whose every root field is an introspection field (no resolver of ours runs)."""
    if operation is None or operation.operation != OperationType.QUERY:
        return False
    selections = operation.selection_set.selections
    return bool(selections) and all(
        isinstance(selection, FieldNode) and selection.name.value in INTROSPECTION_FIELDS
        for selection in selections
    )


def introspection_extension() -> type[SchemaExtension]:
    """An extension running introspection-only operations in the CPU pool, remembering their
    results for the schema it serves."""
    results: OrderedDict[str, ExecutionResult] = OrderedDict()

    class IntrospectionOffTheLoop(SchemaExtension):
        async def on_execute(self) -> AsyncIterator[None]:
            context = self.execution_context
            document = context.graphql_document
            if document is None or context.result is not None:
                yield
                return
            if not introspection_only(get_operation_ast(document, context.operation_name)):
                yield
                return
            key = json.dumps([context.query, context.operation_name, context.variables], default=str)
            remembered = results.get(key)
            if remembered is None:
                schema = context.schema._schema
                remembered = await off_the_loop(
                    lambda: _completed(
                        execute(
                            schema,
                            document,
                            variable_values=context.variables,
                            operation_name=context.operation_name,
                        )
                    )
                )
                if not remembered.errors:
                    results[key] = remembered
                    while len(results) > REMEMBERED:
                        results.popitem(last=False)
            else:
                results.move_to_end(key)
            context.result = remembered
            yield

    return IntrospectionOffTheLoop


def _completed(result: Any) -> ExecutionResult:
    if not isinstance(result, ExecutionResult):  # introspection resolvers are synchronous
        raise TypeError("introspection did not complete synchronously")
    return result
