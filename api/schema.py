"""Assembles the GraphQL schema from the domains' modules, with limits, caches and error handling."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from api.errors import present_errors
from api.introspection import introspection_extension
from api.limits import limits_extension
from api.settings import Limits
from api.unicode_input import UnicodeVariables, recode_invalid_unicode
from resolvers.common.node import NodeQueries
from resolvers.consultations.schema import ConsultationMutations, ConsultationQueries
from resolvers.departments.schema import DepartmentMutations, DepartmentQueries, DepartmentSubscriptions
from resolvers.districts.schema import DistrictQueries
from resolvers.identity.schema import IdentityMutations, IdentityQueries
from resolvers.moderation.schema import ModerationMutations, ModerationQueries
from resolvers.notifications.schema import NotificationMutations, NotificationQueries
from resolvers.system import SystemQueries
from resolvers.topics.schema import TopicQueries


# Each domain contributes a class of fields; the roots inherit them all.
@strawberry.type
class Query(
    NodeQueries,
    SystemQueries,
    IdentityQueries,
    DepartmentQueries,
    DistrictQueries,
    TopicQueries,
    ConsultationQueries,
    ModerationQueries,
    NotificationQueries,
):
    pass


@strawberry.type
class Mutation(
    IdentityMutations,
    DepartmentMutations,
    ConsultationMutations,
    ModerationMutations,
    NotificationMutations,
):
    pass


@strawberry.type
class Subscription(DepartmentSubscriptions):
    pass


class TownhallSchema(strawberry.Schema):
    def __init__(self, *args: Any, suggestions: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.suggestions = suggestions

    def _get_custom_context_kwargs(
        self, operation_extensions: dict[str, Any] | None = None, *, sync: bool = False
    ) -> dict[str, Any]:
        # Strawberry's hook into graphql-core's execute(): coercing variables can suggest names too.
        kwargs = super()._get_custom_context_kwargs(operation_extensions, sync=sync)
        return {**kwargs, "hide_suggestions": not self.suggestions}

    def process_errors(self, errors: list[GraphQLError], execution_context: object = None) -> None:
        """The one place every error passes: masked or coded for clients, logged with an id."""
        recode_invalid_unicode(errors)
        present_errors(errors)


ExtensionFactory = Callable[[], SchemaExtension] | type[SchemaExtension]
DEFAULT_LIMITS = Limits()


def build_schema(
    limits: Limits = DEFAULT_LIMITS, extra_extensions: tuple[ExtensionFactory, ...] = ()
) -> strawberry.Schema:
    extensions: list[ExtensionFactory] = [
        *extra_extensions,
        limits_extension(limits),  # also the parse and validation cache
        UnicodeVariables,  # after the limits, whose validation errors it joins
        introspection_extension(),
    ]
    return TownhallSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        suggestions=limits.introspection,
    )
