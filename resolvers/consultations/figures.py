"""The public department scorecard: the adoption rate of consultation comments, by month."""

from __future__ import annotations

import strawberry

from models.common.errors import NotFound
from models.consultations.figures import department_adoption
from models.departments import repository as departments
from resolvers.common.context import Info
from resolvers.departments.types import Department


@strawberry.type(description="What a department did with what citizens said, in one month.")
class DepartmentScorecard:
    department: Department
    month: str = strawberry.field(description="YYYY-MM, in the deployment's time zone.")
    consultations_concluded: int = strawberry.field(description="Adoption reports published.")
    comments_answered: int = strawberry.field(description="Comments those reports gave an outcome.")
    adopted: int
    partly_adopted: int
    not_adopted: int
    noted: int
    adoption_rate: float | None = strawberry.field(
        description="(Adopted + partly adopted) / answered; null when nothing was answered."
    )


@strawberry.type
class FiguresQueries:
    @strawberry.field(description="A department's public figures for a month (more figures come later).")
    async def department_scorecard(self, info: Info, department_code: str, month: str) -> DepartmentScorecard:
        department = await departments.find_by_code(info.context.db, department_code.strip().lower())
        if department is None:
            raise NotFound(f"no department has the code {department_code!r}", field="departmentCode")
        figures = await department_adoption(
            info.context.db, department["_id"], month, info.context.services.calendar.time_zone
        )
        return DepartmentScorecard(
            department=Department.from_document(department),
            month=figures.month,
            consultations_concluded=figures.consultations,
            comments_answered=figures.answered,
            adopted=figures.outcomes["ADOPTED"],
            partly_adopted=figures.outcomes["PARTLY_ADOPTED"],
            not_adopted=figures.outcomes["NOT_ADOPTED"],
            noted=figures.outcomes["NOTED"],
            adoption_rate=figures.adoption_rate,
        )
