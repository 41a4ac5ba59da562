"""Person (what anyone may see of someone), Me (what the signed-in person sees of themselves), SignedIn."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay

from models.common import actors
from models.identity.documents import PersonDocument, PersonPreferences
from models.identity.name_moderation import PENDING_NAME, PROFILE_NAME
from models.identity.sessions import Session
from resolvers.common.context import Info
from resolvers.common.relay import DocumentNode, load_reference
from resolvers.departments.loaders import DEPARTMENT_BY_ID
from resolvers.departments.types import Department
from resolvers.districts.loaders import DISTRICT_BY_ID
from resolvers.districts.types import District
from resolvers.identity.loaders import PERSON_BY_ID
from resolvers.moderation.content_moderation import ContentModeration, moderation_of

Role = strawberry.enum(actors.Role, name="Role", description="What a person may do in Townhall.")


@strawberry.type(description="Someone who takes part: only their public name and role are public.")
class Person(DocumentNode, relay.Node):
    LOADER = PERSON_BY_ID

    id: relay.NodeID[str]
    public_name: str = strawberry.field(description="A pseudonym unless the person chose otherwise.")
    role: actors.Role = strawberry.field(graphql_type=Role)
    document: strawberry.Private[PersonDocument]

    @classmethod
    def from_document(cls, document: PersonDocument) -> Person:
        return cls(
            id=str(document["_id"]),
            public_name=document["public_name"],
            role=actors.Role(document["role"]),
            document=document,
        )

    @strawberry.field(
        description="Whether this is a staff account (helper, official, moderator or admin): apps show "
        "a staff badge by the name. Citizens' names may not pass for staff."
    )
    def is_staff(self) -> bool:
        return self.role is not actors.Role.CITIZEN

    @strawberry.field(description="For staff: the department they act for.")
    async def department(self, info: Info) -> Department | None:
        department_id = self.document.get("department_id")
        return await load_reference(info, DEPARTMENT_BY_ID, department_id, Department.from_document)


@strawberry.type(description="How the app should look and speak to this person.")
class Preferences:
    language: str = strawberry.field(description="zh or en.")
    large_text: bool = strawberry.field(description="Larger text and controls (适老化).")
    document: strawberry.Private[PersonPreferences]

    @strawberry.field(description="The district whose news and consultations they follow.")
    async def district(self, info: Info) -> District | None:
        district_id = self.document.get("district_id")
        return await load_reference(info, DISTRICT_BY_ID, district_id, District.from_document)


@strawberry.type(description="The signed-in person, as only they see themselves.")
class Me:
    person: Person
    phone_last4: str | None = strawberry.field(
        description="The last four digits of the phone number signed in with; the number itself is not kept."
    )
    email: str | None = strawberry.field(description="Staff only.")
    preferences: Preferences
    created_at: datetime
    pending_public_name: str | None = strawberry.field(
        description="A public name chosen that waits for a moderator (`person.publicName` is still the "
        "old one); null when none waits."
    )
    document: strawberry.Private[PersonDocument]

    @strawberry.field(
        description="What moderation decided about their public name and why (it waits while status is "
        "OPEN); null when no name of theirs was ever held or reported."
    )
    async def public_name_moderation(self, info: Info) -> ContentModeration | None:
        return await moderation_of(info, PROFILE_NAME, self.document["_id"], self.document["_id"])

    @classmethod
    def from_document(cls, document: PersonDocument) -> Me:
        preferences = document.get("preferences") or {}
        phone = document.get("phone")
        return cls(
            person=Person.from_document(document),
            phone_last4=phone.get("last4") if phone else None,
            email=document.get("email"),
            preferences=Preferences(
                language=preferences.get("language", "zh"),
                large_text=bool(preferences.get("large_text", False)),
                document=preferences,
            ),
            created_at=document["created_at"],
            pending_public_name=document.get(PENDING_NAME),
            document=document,
        )


@strawberry.type(
    description="Keep the refresh token safely; send the access token as 'Authorization: Bearer'."
)
class SignedIn:
    access_token: str
    access_token_expires_at: datetime
    refresh_token: str = strawberry.field(
        description="Use once, with refreshSession, before it expires; every use returns a new one."
    )
    refresh_token_expires_at: datetime
    me: Me

    @classmethod
    def from_session(cls, session: Session) -> SignedIn:
        return cls(
            access_token=session.access_token,
            access_token_expires_at=session.access_expires_at,
            refresh_token=session.refresh_token,
            refresh_token_expires_at=session.refresh_expires_at,
            me=Me.from_document(session.person),
        )
