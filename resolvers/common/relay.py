"""Relay connections from models' keyset pages, and nodes loaded by id through DataLoaders."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from bson import ObjectId
from bson.errors import InvalidId
from strawberry import relay

from models.common.actors import Actor
from models.common.db import D, Database
from models.common.errors import InvalidInput
from models.common.ids import parse_object_id
from models.common.pagination import Page, PageArgs, PageBounds
from resolvers.common.context import Info
from resolvers.common.loaders import LoaderSpec

N = TypeVar("N")
C = TypeVar("C", bound=relay.Connection[Any])


def page_args(first: int | None, after: str | None, last: int | None, before: str | None) -> PageArgs:
    return PageArgs(first=first, after=after, last=last, before=before)


OwnPageReader = Callable[[Database, Actor, PageArgs, PageBounds], Awaitable[Page]]


async def own_page(
    info: Info,
    read: OwnPageReader,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Page | None:
    """A page of the signed-in person's own things (comments, inbox, follows); None when signed out."""
    if not info.context.actor.signed_in:
        return None
    args = page_args(first, after, last, before)
    return await read(info.context.db, info.context.actor, args, info.context.page_bounds)


def connection_from_page(connection: type[C], page: Page[D], to_node: Callable[[D], Any]) -> C:
    edges = [
        relay.Edge(cursor=cursor, node=to_node(item))
        for cursor, item in zip(page.cursors, page.items, strict=True)
    ]
    return connection(
        edges=edges,
        page_info=relay.PageInfo(
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            start_cursor=page.cursors[0] if page.cursors else None,
            end_cursor=page.cursors[-1] if page.cursors else None,
        ),
    )


def node_key(global_id: relay.GlobalID, type_name: str, field: str = "id") -> str:
    """The node id inside a global id of `type_name`, as given; another type's id is refused."""
    if global_id.type_name != type_name:
        raise InvalidInput(f"this is not a {type_name}'s id", field=field)
    return global_id.node_id


def node_object_id(global_id: relay.GlobalID, type_name: str, field: str = "id") -> ObjectId:
    """The stored id behind a global id of `type_name`; another type's id, or a malformed one, is
    InvalidInput on `field`. Every argument naming a stored object goes through here (or node_key)."""
    return parse_object_id(node_key(global_id, type_name, field), field=field)


def object_ids(node_ids: Iterable[str]) -> list[ObjectId | None]:
    """Node ids from global ids; a malformed one is None, so it resolves as 'not found'."""
    parsed: list[ObjectId | None] = []
    for node_id in node_ids:
        try:
            parsed.append(ObjectId(node_id))
        except (InvalidId, TypeError):
            parsed.append(None)
    return parsed


async def load_nodes(
    info: Info,
    spec: LoaderSpec[ObjectId, D | None],
    node_ids: Iterable[str],
    to_node: Callable[[D], N],
) -> list[N | None]:
    """Nodes by node id through a DataLoader, in order; None where malformed or missing."""
    ids = object_ids(node_ids)
    found = await info.context.loaders[spec].load_many([i for i in ids if i])
    by_id = {document["_id"]: document for document in found if document}
    return [to_node(by_id[i]) if i in by_id else None for i in ids]


async def load_reference(
    info: Info,
    spec: LoaderSpec[ObjectId, D | None],
    key: ObjectId | None,
    to_node: Callable[[D], N],
) -> N | None:
    """The node another document points at (batched with its siblings), or None."""
    if key is None:
        return None
    document = await info.context.loaders[spec].load(key)
    return to_node(document) if document else None


class DocumentNode:
    """Mixin for a Relay node stored as one document: `node`/`nodes` load it through `LOADER`."""

    LOADER: ClassVar[LoaderSpec[ObjectId, Any]]  # of the node's own document type

    if TYPE_CHECKING:  # each node type defines how it is built from its document (its TypedDict)

        @classmethod
        def from_document(cls, document: Any) -> Any: ...

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        return await load_nodes(info, cls.LOADER, node_ids, cls.from_document)
