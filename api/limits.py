"""Bounds on what one GraphQL operation may ask for: depth, aliases, tokens and cost."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
)
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter, SchemaExtension

from api.settings import Limits

PAGE_ARGUMENTS = ("first", "last")


class _CostCounter:
    """Cost: one per field; a list field's selection counts once per item it may return."""

    def __init__(self, fragments: dict[str, FragmentDefinitionNode], limits: Limits) -> None:
        self.fragments = fragments
        self.limits = limits

    def page_size(self, field: FieldNode) -> int | None:
        for argument in field.arguments or ():
            if argument.name.value in PAGE_ARGUMENTS:
                if isinstance(argument.value, IntValueNode):
                    return max(0, min(int(argument.value.value), self.limits.max_page_size))
                return self.limits.max_page_size  # a variable: assume the worst
        return None

    def cost(self, selection_set: SelectionSetNode | None, seen: frozenset[str] = frozenset()) -> int:
        if selection_set is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if selection.name.value.startswith("__"):
                    continue  # introspection is free (GraphiQL needs it)
                inner = self.cost(selection.selection_set, seen)
                size = self.page_size(selection)
                if size is None and self._is_connection(selection.selection_set):
                    size = self.limits.default_page_size
                total += 1 + inner * (size if size is not None else 1)
            elif isinstance(selection, InlineFragmentNode):
                total += self.cost(selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is not None and name not in seen:
                    total += self.cost(fragment.selection_set, seen | {name})
        return total

    @staticmethod
    def _is_connection(selection_set: SelectionSetNode | None) -> bool:
        return selection_set is not None and any(
            isinstance(s, FieldNode) and s.name.value == "edges" for s in selection_set.selections
        )


def cost_limit_rule(limits: Limits) -> type[ValidationRule]:
    class CostLimit(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            fragments = {
                definition.name.value: definition
                for definition in self.context.document.definitions
                if isinstance(definition, FragmentDefinitionNode)
            }
            cost = _CostCounter(fragments, limits).cost(node.selection_set)
            if cost > limits.max_cost:
                self.report_error(
                    GraphQLError(
                        f"This operation costs {cost}, above the limit of {limits.max_cost}: "
                        "ask for fewer items per page or fewer nested lists.",
                        node,
                        extensions={"code": "QUERY_TOO_COSTLY", "cost": cost, "limit": limits.max_cost},
                    )
                )

    return CostLimit


def limits_extension(limits: Limits) -> type[SchemaExtension]:
    """One extension applying every limit; rule classes are built once so validation caching hits."""
    rules = (
        *QueryDepthLimiter(max_depth=limits.max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=limits.max_aliases).validation_rules,
        cost_limit_rule(limits),
    )

    class OperationLimits(SchemaExtension):
        def on_operation(self) -> Iterator[None]:
            context = self.execution_context
            context.parse_options["max_tokens"] = limits.max_tokens
            context.validation_rules = (*context.validation_rules, *rules)
            yield

    return OperationLimits
