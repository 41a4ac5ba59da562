"""The content behind queue items, per content kind: how to load it, its GraphQL type, its text (as
moderators are shown it; models.moderation.content_kinds.ContentView is what the models read).

Adding a kind: its type joins `ModerationContent`, and one `ContentPresenter` goes into
`CONTENT_PRESENTERS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

import strawberry
from strawberry import relay

from models.common.db import Document
from models.common.errors import InvalidInput
from models.consultations.comment_moderation import CONSULTATION_COMMENT
from models.identity.name_moderation import PROFILE_NAME, judged_name
from resolvers.common.context import Info
from resolvers.common.loaders import LoaderSpec
from resolvers.common.relay import node_object_id
from resolvers.consultations.loaders import COMMENT_BY_ID
from resolvers.consultations.types.comment import Comment, comment_id
from resolvers.identity.loaders import PERSON_BY_ID
from resolvers.identity.types import Person

ModerationContent = Annotated[
    Comment | Person,
    strawberry.union("ModerationContent", description="Content a moderation item is about."),
]


@dataclass(frozen=True)
class ContentPresenter:
    """How the API shows one content kind to moderators."""

    type_name: str  # the GraphQL type, whose global ids name content of this kind
    ref_id: Callable[[relay.GlobalID, str], Any]  # the content's ref_id from its global id
    # Each kind's own document type (CommentDocument, PersonDocument): the table holds several.
    loader: LoaderSpec[Any, Any]  # by the item's ref_id, whatever the content's visibility
    to_node: Callable[[Any], Any]  # a member of ModerationContent
    original_text: Callable[[Any], str | None]  # the text as written, even when hidden from others


def _comment_text(comment: Document) -> str | None:
    # A hidden comment is a public tombstone; its text waits in `hidden.text` for an appeal.
    hidden = comment.get("hidden") or {}
    return hidden.get("text") or comment.get("text")


def _person_id(global_id: relay.GlobalID, field: str) -> Any:
    # A Person's id names their public name (the profile name kind).
    return node_object_id(global_id, Person.__name__, field)


CONTENT_PRESENTERS: dict[str, ContentPresenter] = {
    CONSULTATION_COMMENT: ContentPresenter(
        Comment.__name__, comment_id, COMMENT_BY_ID, Comment.from_document, _comment_text
    ),
    PROFILE_NAME: ContentPresenter(
        Person.__name__, _person_id, PERSON_BY_ID, Person.from_document, judged_name
    ),
}


def content_ref(global_id: relay.GlobalID, field: str) -> tuple[str, Any]:
    """The content kind and ref_id behind a content's global id (a Comment's, say)."""
    for kind, view in CONTENT_PRESENTERS.items():
        if view.type_name == global_id.type_name:
            return kind, view.ref_id(global_id, field)
    raise InvalidInput("this id is not of content that can be moderated", field=field)


async def load_content(info: Info, kind: str, ref_id: Any) -> Any:
    """The content `ref_id` of `kind` as its GraphQL type (None when it is gone), through a loader."""
    view = CONTENT_PRESENTERS.get(kind)
    if view is None:
        return None
    document = await info.context.loaders[view.loader].load(ref_id)
    return view.to_node(document) if document else None
