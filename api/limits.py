"""Bounds on what one GraphQL operation may ask for — depth, aliases, tokens, cost, introspection —
checked in one pass before graphql-core's own validation; parse and validation results are cached,
and large documents are parsed and validated off the event loop."""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    Node,
    OperationDefinitionNode,
    SelectionSetNode,
    get_introspection_query,
    is_enum_type,
    is_input_object_type,
    is_interface_type,
    is_object_type,
    is_union_type,
    parse,
    validate,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from api.cpu_work import off_the_loop
from api.document_measure import DocumentMeasure, ListSizes, Measure, measure_document
from api.settings import Limits

MAX_NODE_IDS = 100  # ids one `nodes` field may ask for
MAX_OVERLAP = 10_000  # pairwise comparisons of repeated selections (graphql-core's overlap rule)
MAX_ERRORS = 50  # graphql-core stops validating a document after this many errors
OFF_LOOP_CHARS = 1_000  # documents longer than this are parsed and validated in a worker thread
CACHED_CHARS = 4_000_000  # the cache keeps at most this much document text (and cache_size documents)
_STANDARD_INTROSPECTION = get_introspection_query(
    descriptions=True,
    specified_by_url=True,
    directive_is_repeatable=True,
    schema_description=True,
    input_value_deprecation=True,
    one_of=True,
)


def introspection_list_sizes(schema: GraphQLSchema) -> dict[str, int]:
    """The length the introspection cost gives each introspection list in this schema: all the
    types and directives; per type, the average of its fields, values, members…, rounded up."""
    types = list(schema.type_map.values())
    composite = [t for t in types if is_object_type(t) or is_interface_type(t)]
    fields = [f for t in composite for f in t.fields.values()]

    def per(total: int, count: int) -> int:
        return max(1, math.ceil(total / max(1, count)))

    return {
        "types": len(types),
        "directives": len(schema.directives),
        "fields": per(len(fields), len(types)),
        "inputFields": per(sum(len(t.fields) for t in types if is_input_object_type(t)), len(types)),
        "enumValues": per(sum(len(t.values) for t in types if is_enum_type(t)), len(types)),
        "possibleTypes": per(sum(len(t.types) for t in types if is_union_type(t)), len(types)),
        "interfaces": per(sum(len(t.interfaces) for t in types if is_object_type(t)), len(types)),
        "args": per(sum(len(f.args) for f in fields), len(fields)),
        "locations": per(sum(len(d.locations) for d in schema.directives), len(schema.directives)),
    }


@dataclass(frozen=True)
class IntrospectionBudget:
    """What one operation may spend on introspection: one full standard introspection query."""

    cost: int
    depth: int

    @classmethod
    def for_schema(cls, sizes: ListSizes) -> IntrospectionBudget:
        standard = next(iter(measure_document(parse(_STANDARD_INTROSPECTION), sizes).operations.values()))
        # A quarter more than graphql-core's query with every option on, for other clients' variants.
        return cls(cost=standard.introspection_cost * 5 // 4, depth=standard.introspection_depth)


@dataclass(frozen=True)
class CheckedDocument:
    """A parsed document with its measure and the errors that do not depend on variables."""

    document: DocumentNode
    measure: DocumentMeasure
    errors: tuple[GraphQLError, ...]


def _outline(document: DocumentNode) -> DocumentNode:
    """The operations of a refused document without their selections: enough for Strawberry to
    tell a query from a mutation, and far fewer objects for the cache and the collector."""
    operations = [
        OperationDefinitionNode(
            operation=definition.operation,
            name=definition.name,
            variable_definitions=(),
            directives=(),
            selection_set=SelectionSetNode(selections=()),
        )
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode)
    ]
    return DocumentNode(definitions=tuple(operations))


def _error(message: str, node: Node | None = None, **extensions: Any) -> GraphQLError:
    # Located by source and position, not by node: a cached error keeps no document alive.
    loc = node.loc if node is not None else None
    return GraphQLError(
        message,
        source=loc.source if loc else None,
        positions=[loc.start] if loc else None,
        extensions=extensions or None,
    )


class DocumentLimits:
    """The checks of one schema, with their cache (by document text)."""

    def __init__(self, limits: Limits, schema: GraphQLSchema, rules: tuple[type[ASTValidationRule], ...]):
        self.limits = limits
        self.schema = schema
        self.rules = (*rules, MaybeNullValidationRule, OneOfInputValidationRule)
        self.sizes = ListSizes(
            max_page_size=limits.max_page_size,
            default_page_size=limits.default_page_size,
            max_node_ids=MAX_NODE_IDS,
            introspection=introspection_list_sizes(schema),
        )
        self.introspection = IntrospectionBudget.for_schema(self.sizes)
        self._cache: OrderedDict[str, CheckedDocument] = OrderedDict()
        self._cached_chars = 0

    def cached(self, query: str) -> CheckedDocument | None:
        checked = self._cache.get(query)
        if checked is not None:
            self._cache.move_to_end(query)
        return checked

    def remember(self, query: str, checked: CheckedDocument) -> None:
        self._cache[query] = checked
        self._cached_chars += len(query)
        while len(self._cache) > self.limits.cache_size or self._cached_chars > CACHED_CHARS:
            forgotten, _ = self._cache.popitem(last=False)
            self._cached_chars -= len(forgotten)

    def check(self, query: str) -> CheckedDocument:
        """Parse, measure, and — if no limit refuses the document — validate it (graphql-core)."""
        document = parse(query, max_tokens=self.limits.max_tokens)
        measure = measure_document(document, self.sizes)
        errors = self.limit_errors(measure)
        if errors:  # refused: graphql-core need not see it, nor the cache keep all of it
            return CheckedDocument(_outline(document), replace(measure, nodes={}), tuple(errors))
        errors = validate(
            self.schema,
            document,
            self.rules,
            max_errors=MAX_ERRORS,
            # Suggestions ("Did you mean …?") tell what the schema holds: only where introspection is on.
            hide_suggestions=not self.limits.introspection,
        )
        return CheckedDocument(document, measure, tuple(errors))

    def _over_cost(self, measure: DocumentMeasure) -> bool:
        return any(m.cost > self.limits.max_cost for m in measure.operations.values())

    def limit_errors(self, measure: DocumentMeasure) -> list[GraphQLError]:
        limits, errors = self.limits, []
        for name, m in measure.operations.items():
            node = measure.nodes[name]
            if m.depth > limits.max_depth:
                errors.append(_error(f"'{name}' exceeds maximum operation depth of {limits.max_depth}", node))
            errors.extend(self._introspection_errors(name, m, node))
        aliases = sum(m.aliases for m in measure.operations.values())
        if aliases > limits.max_aliases:
            errors.append(_error(f"{aliases} aliases found. Allowed: {limits.max_aliases}"))
        if measure.literal_node_ids > MAX_NODE_IDS:
            errors.append(self._too_many_ids(measure.literal_node_ids))
        if measure.overlap > MAX_OVERLAP:
            errors.append(
                _error(
                    f"This document repeats the same selections too often ({measure.overlap} "
                    f"comparisons to merge them, above the limit of {MAX_OVERLAP}): select each field once.",
                    code="QUERY_TOO_COMPLEX",
                    limit=MAX_OVERLAP,
                )
            )
        if measure.operation_selections > limits.max_tokens:
            errors.append(
                _error(
                    f"This document's operations reach {measure.operation_selections} selections "
                    f"together, above the limit of {limits.max_tokens}: send one operation per request.",
                    code="QUERY_TOO_COMPLEX",
                    limit=limits.max_tokens,
                )
            )
        if not measure.node_id_variables:
            errors.extend(self._cost_errors(measure))
        return errors

    def _introspection_errors(
        self, name: str, m: Measure, node: OperationDefinitionNode
    ) -> Iterator[GraphQLError]:
        if not (m.schema_selections or m.type_selections):
            return
        if not self.limits.introspection:
            yield _error("Introspection is turned off on this server.", node, code="INTROSPECTION_DISABLED")
            return
        budget = self.introspection
        if m.schema_selections > 1:
            yield _error(
                f"'{name}' selects __schema {m.schema_selections} times; an operation may select it once.",
                node,
                code="INTROSPECTION_TOO_COSTLY",
            )
        if m.introspection_cost > budget.cost:
            yield _error(
                f"'{name}' costs {m.introspection_cost} in introspection, above the limit of "
                f"{budget.cost}: introspect the schema once, in one operation.",
                node,
                code="INTROSPECTION_TOO_COSTLY",
                cost=m.introspection_cost,
                limit=budget.cost,
            )
        if m.introspection_depth > budget.depth:
            yield _error(
                f"'{name}' nests introspection {m.introspection_depth} levels deep, above the limit "
                f"of {budget.depth}.",
                node,
                code="INTROSPECTION_TOO_DEEP",
                limit=budget.depth,
            )

    def _cost_errors(self, measure: DocumentMeasure) -> list[GraphQLError]:
        limit = self.limits.max_cost
        return [
            _error(
                f"This operation costs {m.cost}, above the limit of {limit}: "
                "ask for fewer items per page or fewer nested lists.",
                measure.nodes[name],
                code="QUERY_TOO_COSTLY",
                cost=m.cost,
                limit=limit,
            )
            for name, m in measure.operations.items()
            if m.cost > limit
        ]

    @staticmethod
    def _too_many_ids(count: int) -> GraphQLError:
        return _error(
            f"nodes takes at most {MAX_NODE_IDS} ids; this asks for {count}.",
            code="INVALID_INPUT",
            field="ids",
            limit=MAX_NODE_IDS,
        )

    def request_errors(
        self, checked: CheckedDocument, variables: Mapping[str, Any] | None
    ) -> list[GraphQLError]:
        """The checks that need the request's variables: `nodes(ids: $ids)` counts the ids given."""
        measure = checked.measure
        if not measure.node_id_variables or checked.errors:
            return []
        errors = []
        for name in sorted(measure.node_id_variables):
            given = (variables or {}).get(name)
            if isinstance(given, list) and len(given) > MAX_NODE_IDS:
                errors.append(self._too_many_ids(len(given)))
        if self._over_cost(measure):  # the cap was assumed: count what was given
            errors.extend(self._cost_errors(measure_document(checked.document, self.sizes, variables)))
        return errors


def limits_extension(limits: Limits) -> type[SchemaExtension]:
    """One extension applying every limit, with the parse and validation cache of the schema."""
    built: list[DocumentLimits] = []  # made on the first operation, when the schema is known

    class OperationLimits(SchemaExtension):
        checked: CheckedDocument | None = None
        document_limits: DocumentLimits

        def on_operation(self) -> Iterator[None]:
            # For Strawberry's own parse of a document this extension could not parse (below).
            self.execution_context.parse_options["max_tokens"] = limits.max_tokens
            yield

        async def on_parse(self) -> AsyncIterator[None]:
            context = self.execution_context
            if not built:
                built.append(DocumentLimits(limits, context.schema._schema, context.validation_rules))
            document_limits = built[0]
            query = context.query or ""
            checked = document_limits.cached(query)
            if checked is None:
                try:
                    if len(query) > OFF_LOOP_CHARS:
                        checked = await off_the_loop(lambda: document_limits.check(query))
                    else:
                        checked = document_limits.check(query)
                except GraphQLError:
                    # Left to Strawberry's own parse, which answers the syntax error as a result;
                    # raised from this hook, it escaped as an exception over websockets.
                    yield
                    return
                document_limits.remember(query, checked)
            context.graphql_document = checked.document
            self.checked = checked
            self.document_limits = document_limits
            yield

        def on_validate(self) -> Iterator[None]:
            if self.checked is not None:
                context = self.execution_context
                request_errors = self.document_limits.request_errors(self.checked, context.variables)
                context.pre_execution_errors = [*self.checked.errors, *request_errors]
            yield

    return OperationLimits
