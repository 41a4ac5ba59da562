"""Rules for creating topics."""

from __future__ import annotations

from dataclasses import dataclass

from models.common.actors import Actor
from models.common.clock import utcnow
from models.common.db import Database
from models.common.errors import Conflict, NotFound
from models.common.repository import insert_unique
from models.common.text import bilingual_name, clean_code
from models.departments import repository as departments
from models.topics import repository
from models.topics.documents import TOPICS, TopicDocument
from models.topics.policy import require_may_create


@dataclass(frozen=True)
class NewTopic:
    code: str
    name_zh: str
    name_en: str = ""
    department_code: str | None = None


async def create_topic(db: Database, actor: Actor, new: NewTopic) -> TopicDocument:
    """Create a topic (admins only), with the department usually responsible for it."""
    require_may_create(actor)
    code = clean_code(new.code)
    name = bilingual_name(new.name_zh, new.name_en)
    department = None
    if new.department_code:
        department = await departments.find_by_code(db, new.department_code.strip().lower())
        if department is None:
            raise NotFound(f"no department has the code {new.department_code!r}", field="departmentCode")
    # The list of topics is not paged; refusing the one past its bound keeps it complete.
    if await repository.count_topics(db) >= repository.MAX_TOPICS:
        raise Conflict(f"there can be at most {repository.MAX_TOPICS} topics", field="code")
    document = TOPICS.new_document(
        {
            "code": code,
            "name": name,
            "department_id": department["_id"] if department else None,
            "created_at": utcnow(),
        }
    )
    duplicate = Conflict(f"a topic with the code {code!r} exists already", field="code")
    return await insert_unique(TOPICS.of(db), document, duplicate)
