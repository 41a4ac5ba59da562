"""Assembles the GraphQL schema from the domains' modules, with limits, caches and error handling."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import strawberry
from graphql import GraphQLError
from strawberry.extensions import ParserCache, SchemaExtension, ValidationCache

from api.errors import present_errors
from api.limits import limits_extension
from api.settings import Limits
from api.unicode_input import UnicodeVariables, recode_invalid_unicode
from resolvers.common.node import NodeQueries
from resolvers.consultations.campaign_queries import CampaignQueries
from resolvers.consultations.comment_mutations import AdoptionReportMutations, CommentMutations
from resolvers.consultations.comment_queries import CommentQueries
from resolvers.consultations.figures import FiguresQueries
from resolvers.consultations.mutations import ConsultationMutations
from resolvers.consultations.queries import ConsultationQueries
from resolvers.departments.mutations import DepartmentMutations
from resolvers.departments.queries import DepartmentQueries
from resolvers.departments.subscriptions import DepartmentSubscriptions
from resolvers.districts.queries import DistrictQueries
from resolvers.identity.mutations import IdentityMutations
from resolvers.identity.queries import IdentityQueries
from resolvers.moderation.mutations import ModerationMutations
from resolvers.moderation.queries import ModerationQueries
from resolvers.moderation.screening_rules import ScreeningRulesQueries
from resolvers.moderation.transparency import TransparencyQueries
from resolvers.notifications.mutations import NotificationMutations
from resolvers.notifications.queries import NotificationQueries
from resolvers.system import SystemQueries
from resolvers.topics.queries import TopicQueries


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
    CommentQueries,
    FiguresQueries,
    CampaignQueries,
    ModerationQueries,
    ScreeningRulesQueries,
    TransparencyQueries,
    NotificationQueries,
):
    pass


@strawberry.type
class Mutation(
    IdentityMutations,
    DepartmentMutations,
    ConsultationMutations,
    CommentMutations,
    AdoptionReportMutations,
    ModerationMutations,
    NotificationMutations,
):
    pass


@strawberry.type
class Subscription(DepartmentSubscriptions):
    pass


class TownhallSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: object = None) -> None:
        """The one place every error passes: masked or coded for clients, logged with an id."""
        recode_invalid_unicode(errors)
        present_errors(errors)


class DocumentCache(ParserCache):
    """ParserCache, except that a document which does not parse is left to Strawberry's own parse,
    which answers the syntax error as a result; raised from this hook, it escaped as an exception
    over websockets (logged as a failed task, the client told nothing)."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        with contextlib.suppress(GraphQLError):
            context.graphql_document = self.cached_parse_document(context.query, **context.parse_options)
        yield


ExtensionFactory = Callable[[], SchemaExtension] | type[SchemaExtension]
DEFAULT_LIMITS = Limits()


def build_schema(
    limits: Limits = DEFAULT_LIMITS, extra_extensions: tuple[ExtensionFactory, ...] = ()
) -> strawberry.Schema:
    extensions: list[ExtensionFactory] = [
        *extra_extensions,
        lambda: DocumentCache(maxsize=limits.cache_size),
        limits_extension(limits),
        lambda: ValidationCache(maxsize=limits.cache_size),
        UnicodeVariables,  # after the validation cache, whose errors it joins
    ]
    return TownhallSchema(query=Query, mutation=Mutation, subscription=Subscription, extensions=extensions)
