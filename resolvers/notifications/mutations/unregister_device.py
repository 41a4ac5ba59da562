"""unregisterDevice: stop pushes to this device (yours only; an unknown token changes nothing)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.notifications import devices
from resolvers.common.context import Info
from resolvers.common.errors import ForbiddenError, InvalidInputError, RateLimitedError
from resolvers.common.mutations import protected_mutation


@strawberry.input
class UnregisterDeviceInput:
    token: str = strawberry.field(description="The FCM registration token the device registered with.")


@strawberry.type
class DeviceUnregistered:
    removed: bool = strawberry.field(
        description="Whether a device of yours was removed (false: it was not registered to you)."
    )


UnregisterDeviceResult = Annotated[
    DeviceUnregistered | InvalidInputError | ForbiddenError | RateLimitedError,
    strawberry.union("UnregisterDeviceResult"),
]


@protected_mutation()
async def unregister_device(info: Info, input: UnregisterDeviceInput) -> UnregisterDeviceResult:
    removed = await devices.unregister_device(info.context.db, info.context.actor, input.token)
    return DeviceUnregistered(removed=removed)
