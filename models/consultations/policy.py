"""Who may change a consultation (officials of its department, or admins) and who may read it."""

from __future__ import annotations

from models.common.actors import Actor
from models.common.db import Database
from models.common.errors import Forbidden, NotFound
from models.consultations.documents import PUBLIC, CommentDocument, ConsultationDocument
from models.consultations.repository import no_such_comment, no_such_consultation
from models.departments.documents import DepartmentDocument
from models.departments.policy import DepartmentScope, may_act_for, require_authority
from models.departments.repository import find_by_ids


async def department_of(db: Database, consultation: ConsultationDocument) -> DepartmentDocument:
    found = await find_by_ids(db, [consultation["department_id"]])
    department = found.get(consultation["department_id"])
    if department is None:
        raise NotFound("the consultation's department does not exist", field="departmentCode")
    return department


async def require_authority_over(
    db: Database,
    actor: Actor,
    consultation: ConsultationDocument,
    scope: DepartmentScope,
    *,
    comment: CommentDocument | None = None,
) -> DepartmentDocument:
    """The consultation's department, once `actor` is shown to act for it.

    Forbidden only where the thing acted on is public. Whoever may not even see it (a draft, or a
    held `comment`, outside its department) is told it does not exist, word for word as for an
    unknown id: the answer must not tell a hidden thing from a missing one.
    """
    hidden = not is_published(consultation) or (comment is not None and not may_see_comment(actor, comment))
    not_found = no_such_comment() if comment is not None else no_such_consultation()
    if not actor.signed_in:
        # Before loading anything more for an anonymous caller.
        raise not_found if hidden else Forbidden("sign in first")
    department = await department_of(db, consultation)
    if hidden and not may_act_for(actor, department, scope):
        raise not_found
    require_authority(actor, department, scope)
    return department


def may_see_comment(actor: Actor, comment: CommentDocument) -> bool:
    """A published comment (or a tombstone) everyone; any other only its author."""
    visible_to = comment.get("visible_to")
    return visible_to == PUBLIC or (actor.signed_in and visible_to == str(actor.person_id))


def is_published(consultation: ConsultationDocument) -> bool:
    """Published once it opened; a draft (also a withdrawn or scheduled one) never was."""
    return consultation.get("published_at") is not None


def may_read(
    actor: Actor,
    consultation: ConsultationDocument,
    department: DepartmentDocument | None,
    scope: DepartmentScope,
) -> bool:
    """Everyone reads what was published; drafts only those who act for the department."""
    if is_published(consultation):
        return True
    return department is not None and may_act_for(actor, department, scope)
