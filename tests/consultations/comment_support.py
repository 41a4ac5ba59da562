"""Test helpers for comments and the adoption report: people with tokens, GraphQL documents, ids."""

from __future__ import annotations

from typing import Any

from bson import ObjectId
from strawberry.relay import from_base64, to_base64

from models.common.actors import Role
from models.common.db import Database, Document
from models.consultations.documents import COMMENTS, CONSULTATIONS
from tests.support.factories import bearer, make_citizen, make_staff, sign_in
from tests.support.graphql_client import GraphQLClient

RESULT = "__typename ... on UserError { code message field }"
COMMENT_FIELDS = """
    id clauseId clauseVersion stance text status channel viaHelper agreeCount agreedByMe createdAt editedAt
    author { publicName }
    reply { text official { publicName } }
"""

SUBMIT = f"""
mutation ($input: SubmitCommentInput!) {{
  submitComment(input: $input) {{ {RESULT} ... on CommentSubmitted {{ comment {{ {COMMENT_FIELDS} }} }} }}
}}
"""
SUBMIT_ON_BEHALF = f"""
mutation ($input: SubmitCommentOnBehalfInput!) {{
  submitCommentOnBehalf(input: $input) {{
    {RESULT} ... on CommentSubmitted {{ comment {{ {COMMENT_FIELDS} }} }}
  }}
}}
"""
EDIT = f"""
mutation ($input: EditCommentInput!) {{
  editComment(input: $input) {{ {RESULT} ... on CommentEdited {{ comment {{ {COMMENT_FIELDS} }} }} }}
}}
"""
DELETE = f"""
mutation ($input: DeleteCommentInput!) {{
  deleteComment(input: $input) {{ {RESULT} ... on CommentDeleted {{ comment {{ {COMMENT_FIELDS} }} }} }}
}}
"""
TOGGLE_AGREE = f"""
mutation ($input: ToggleAgreeInput!) {{
  toggleAgree(input: $input) {{ {RESULT} ... on AgreeToggled {{ agreed agreeCount }} }}
}}
"""
REPLY = f"""
mutation ($input: ReplyToCommentInput!) {{
  replyToComment(input: $input) {{ {RESULT} ... on CommentReplied {{ comment {{ {COMMENT_FIELDS} }} }} }}
}}
"""
COMMENTS_PAGE = f"""
query ($id: ID!, $first: Int, $after: String, $clauseId: String) {{
  consultationComments(consultationId: $id, first: $first, after: $after, clauseId: $clauseId) {{
    edges {{ cursor node {{ {COMMENT_FIELDS} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""
COUNTERS = """
query ($id: ID!) { consultation(id: $id) {
  counters { commentCount commenterCount byStance { support oppose suggestion } byClause { clauseId count } }
} }
"""


def gid(type_name: str, document_or_id: Document | ObjectId) -> str:
    object_id = document_or_id["_id"] if isinstance(document_or_id, dict) else document_or_id
    return to_base64(type_name, str(object_id))


def comment_input(
    consultation: Document, text: str = "建议在小区东门增设充电桩。", **fields: Any
) -> dict[str, Any]:
    return {
        "consultationId": gid("Consultation", consultation),
        "stance": "SUGGESTION",
        "text": text,
        **fields,
    }


async def citizen(db: Database, phone: str = "+8613800138000") -> tuple[Document, dict[str, str]]:
    person = await make_citizen(db, phone)
    return person, bearer(await sign_in(db, person))


async def staff(
    db: Database, email: str, role: Role, department_code: str | None = None
) -> tuple[Document, dict[str, str]]:
    person = await make_staff(db, email, role, department_code=department_code)
    return person, bearer(await sign_in(db, person))


async def run(gql: GraphQLClient, query: str, variables: dict[str, Any], headers: dict[str, str]) -> Any:
    """The data of an operation that must succeed (no GraphQL errors)."""
    response = await gql.execute(query, variables, headers=headers)
    assert response.status == 200 and not response.errors, (response.status, response.errors)
    return response.data


async def mutate(
    gql: GraphQLClient, query: str, input: dict[str, Any], headers: dict[str, str]
) -> dict[str, Any]:
    """The one result of a mutation (its typed success or error)."""
    data = await run(gql, query, {"input": input}, headers)
    (result,) = data.values()
    return result


async def submit(
    gql: GraphQLClient, consultation: Document, headers: dict[str, str], **fields: Any
) -> dict[str, Any]:
    result = await mutate(gql, SUBMIT, comment_input(consultation, **fields), headers)
    assert result["__typename"] == "CommentSubmitted", result
    return result["comment"]


async def stored_comment(db: Database, global_id: str) -> Document:
    found = await COMMENTS.of(db).find_one({"_id": ObjectId(from_base64(global_id)[1])})
    assert found is not None
    return found


async def counters(db: Database, consultation: Document) -> Document:
    found = await CONSULTATIONS.of(db).find_one({"_id": consultation["_id"]})
    assert found is not None
    return found["counters"]
