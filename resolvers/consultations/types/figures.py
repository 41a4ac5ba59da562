"""The public department scorecard's type: the adoption rate of consultation comments, by month."""

from __future__ import annotations

import strawberry

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
