"""What a GraphQL document asks for — depth, aliases, cost, introspection, repeated selections —
measured in one pass that visits each fragment once, however often it is spread."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
)

PAGE_ARGUMENTS = ("first", "last")
INTROSPECTION_ROOTS = ("__schema", "__type")


@dataclass(frozen=True)
class ListSizes:
    """How many items the cost assumes a list returns."""

    max_page_size: int
    default_page_size: int
    max_node_ids: int
    # Introspection lists (`types`, `fields`, …): their length in the served schema.
    introspection: Mapping[str, int] = field(default_factory=dict)


@dataclass
class Measure:
    """One selection set with its fragments expanded (each fragment measured once, then reused)."""

    depth: int = 0  # longest chain of fields with selections, introspection left out
    aliases: int = 0
    cost: int = 0  # one per field; a list's selection once per item it may return
    fields: int = 0  # fields once fragments are expanded
    introspection_cost: int = 0
    introspection_depth: int = 0
    schema_selections: int = 0  # `__schema` fields
    type_selections: int = 0  # `__type` fields

    def add(self, other: Measure) -> None:
        self.depth = max(self.depth, other.depth)
        self.aliases += other.aliases
        self.cost += other.cost
        self.fields += other.fields
        self.introspection_cost += other.introspection_cost
        self.introspection_depth = max(self.introspection_depth, other.introspection_depth)
        self.schema_selections += other.schema_selections
        self.type_selections += other.type_selections


@dataclass
class _Group:
    """Fields of one response key in one selection set: graphql-core compares each pair of them."""

    count: int = 0
    size: int = 0  # sum of their expanded sizes
    squares: int = 0  # sum of the squares of those sizes

    def add(self, size: int) -> None:
        self.count += 1
        self.size += size
        self.squares += size * size

    def merge(self, other: _Group) -> None:
        self.count += other.count
        self.size += other.size
        self.squares += other.squares

    @property
    def pairs(self) -> int:
        # Σ over pairs i<j of size_i·size_j bounds the work of comparing their sub-selections.
        return (self.size * self.size - self.squares) // 2


_Groups = dict[str, _Group]


@dataclass
class DocumentMeasure:
    """Per operation (by name, "anonymous" without one), and for the document as a whole."""

    operations: dict[str, Measure]
    nodes: dict[str, OperationDefinitionNode]
    overlap: int  # pairwise comparisons of repeated selections graphql-core's rule will make
    operation_selections: int  # selections each operation reaches, summed over the operations
    literal_node_ids: int  # the longest `ids` list literal given to `nodes`
    node_id_variables: frozenset[str]  # variables given as `nodes(ids:)`


class _Walker:
    def __init__(
        self,
        fragments: dict[str, FragmentDefinitionNode],
        sizes: ListSizes,
        variables: Mapping[str, Any] | None,
    ) -> None:
        self.fragments = fragments
        self.sizes = sizes
        self.variables = variables
        self.memo: dict[tuple[str, bool], tuple[Measure, _Groups]] = {}
        self.overlap = 0
        self.literal_node_ids = 0
        self.node_id_variables: set[str] = set()

    def list_size(self, node: FieldNode) -> int | None:
        for argument in node.arguments or ():
            name, value = argument.name.value, argument.value
            if name in PAGE_ARGUMENTS:
                if isinstance(value, IntValueNode):
                    return max(0, min(int(value.value), self.sizes.max_page_size))
                return self.sizes.max_page_size  # a variable: assume the worst
            if name == "ids" and node.name.value == "nodes":
                return self.node_ids(value)
        if self._is_connection(node.selection_set):
            return self.sizes.default_page_size
        return None

    def node_ids(self, value: Any) -> int:
        if isinstance(value, ListValueNode):
            self.literal_node_ids = max(self.literal_node_ids, len(value.values))
            return len(value.values)
        if isinstance(value, VariableNode):
            name = value.name.value
            self.node_id_variables.add(name)
            given = (self.variables or {}).get(name)
            if isinstance(given, list):
                return len(given)
        return self.sizes.max_node_ids  # unknown until the request's variables: the cap

    @staticmethod
    def _is_connection(selection_set: SelectionSetNode | None) -> bool:
        return selection_set is not None and any(
            isinstance(s, FieldNode) and s.name.value == "edges" for s in selection_set.selections
        )

    def fragment(self, name: str, introspective: bool) -> tuple[Measure, _Groups]:
        key = (name, introspective)
        known = self.memo.get(key)
        if known is not None:
            return known
        definition = self.fragments.get(name)
        if definition is None:
            return Measure(), {}
        self.memo[key] = (Measure(), {})  # a cycle counts nothing (graphql-core refuses it)
        measured = self.selection_set(definition.selection_set, introspective)
        self.memo[key] = measured
        return measured

    def selection_set(
        self, selection_set: SelectionSetNode | None, introspective: bool, *, nested: bool = False
    ) -> tuple[Measure, _Groups]:
        total, groups = Measure(), _Groups()
        if selection_set is None:
            return total, groups
        spread: set[str] = set()
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                measured = self.field(selection, introspective)
                key = selection.alias.value if selection.alias else selection.name.value
                groups.setdefault(key, _Group()).add(measured.fields)
            elif isinstance(selection, InlineFragmentNode):
                measured, inner = self.selection_set(selection.selection_set, introspective, nested=True)
                _merge(groups, inner)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                measured, inner = self.fragment(name, introspective)
                if name not in spread:  # graphql-core compares a fragment spread twice only once
                    spread.add(name)
                    _merge(groups, inner)
            else:  # pragma: no cover - the grammar has no other selection
                continue
            total.add(measured)
        if not nested:
            self.overlap += sum(group.pairs for group in groups.values() if group.count > 1)
        return total, groups

    def field(self, node: FieldNode, introspective: bool) -> Measure:
        name = node.name.value
        alias = 1 if node.alias else 0
        if introspective or name in INTROSPECTION_ROOTS:
            inner, _ = self.selection_set(node.selection_set, True)
            times = self.sizes.introspection.get(name, 1) if introspective else 1
            measured = Measure(
                aliases=alias + inner.aliases,
                fields=1 + inner.fields,
                introspection_cost=1 + inner.introspection_cost * times,
                introspection_depth=1 + inner.introspection_depth if node.selection_set else 0,
                schema_selections=inner.schema_selections + (name == "__schema"),
                type_selections=inner.type_selections + (name == "__type"),
            )
            return measured
        if name.startswith("__"):  # __typename: free, and not a level
            return Measure(aliases=alias, fields=1)
        inner, _ = self.selection_set(node.selection_set, False)
        size = self.list_size(node)
        measured = Measure(
            depth=1 + inner.depth if node.selection_set else 0,
            aliases=alias + inner.aliases,
            cost=1 + inner.cost * (size if size is not None else 1),
            fields=1 + inner.fields,
        )
        measured.introspection_cost = inner.introspection_cost
        measured.introspection_depth = inner.introspection_depth
        measured.schema_selections = inner.schema_selections
        measured.type_selections = inner.type_selections
        return measured


def _merge(groups: _Groups, other: _Groups) -> None:
    for key, group in other.items():
        groups.setdefault(key, _Group()).merge(group)


def _own_selections(selection_set: SelectionSetNode | None, spreads: set[str]) -> int:
    """Selections written in a definition (fragments not followed); the fragments it spreads."""
    count, stack = 0, [selection_set]
    while stack:
        current = stack.pop()
        if current is None:
            continue
        for selection in current.selections:
            count += 1
            if isinstance(selection, FragmentSpreadNode):
                spreads.add(selection.name.value)
            elif isinstance(selection, FieldNode | InlineFragmentNode):
                stack.append(selection.selection_set)
    return count


def _reached_selections(
    operations: list[OperationDefinitionNode], fragments: dict[str, FragmentDefinitionNode]
) -> int:
    """Selections each operation reaches through its fragments (each once), summed: graphql-core's
    per-operation rules (variables in fragments) walk every fragment again for each operation."""
    own: dict[str, tuple[int, set[str]]] = {}
    for name, definition in fragments.items():
        spreads: set[str] = set()
        own[name] = (_own_selections(definition.selection_set, spreads), spreads)
    total = 0
    for operation in operations:
        spreads = set()
        total += _own_selections(operation.selection_set, spreads)
        reached: set[str] = set()
        while spreads:
            name = spreads.pop()
            if name in reached or name not in own:
                continue
            reached.add(name)
            count, more = own[name]
            total += count
            spreads |= more - reached
    return total


def measure_document(
    document: DocumentNode, sizes: ListSizes, variables: Mapping[str, Any] | None = None
) -> DocumentMeasure:
    """Linear in the document's length: fragments are measured once and their totals reused."""
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    operations = [
        definition for definition in document.definitions if isinstance(definition, OperationDefinitionNode)
    ]
    walker = _Walker(fragments, sizes, variables)
    measures: dict[str, Measure] = {}
    nodes: dict[str, OperationDefinitionNode] = {}
    for operation in operations:
        name = operation.name.value if operation.name else "anonymous"
        measures[name], _ = walker.selection_set(operation.selection_set, False)
        nodes[name] = operation
    for name in fragments:  # graphql-core checks every fragment's own selections too
        walker.fragment(name, False)
    return DocumentMeasure(
        operations=measures,
        nodes=nodes,
        overlap=walker.overlap,
        operation_selections=_reached_selections(operations, fragments) if len(operations) > 1 else 0,
        literal_node_ids=walker.literal_node_ids,
        node_id_variables=frozenset(walker.node_id_variables),
    )
