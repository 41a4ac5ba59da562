"""Mutations on departments, one per module."""

from __future__ import annotations

import strawberry

from resolvers.departments.mutations.create_department import create_department
from resolvers.departments.mutations.update_department import update_department


@strawberry.type
class DepartmentMutations:
    create_department = strawberry.mutation(
        resolver=create_department, description="Create a department (admins)."
    )
    update_department = strawberry.mutation(
        resolver=update_department,
        description="Rename a department (admins, or officials with authority over it).",
    )
