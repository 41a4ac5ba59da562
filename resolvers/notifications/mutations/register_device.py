"""registerDevice: this phone (or browser) gets your pushes; registering again refreshes it."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.notifications import devices
from models.notifications.devices import Platform
from resolvers.common.context import Info
from resolvers.common.errors import ForbiddenError, InvalidInputError, RateLimitedError
from resolvers.common.mutations import protected_mutation
from resolvers.notifications.types import Device


@strawberry.input
class RegisterDeviceInput:
    token: str = strawberry.field(description="The FCM registration token of the app on this device.")
    platform: Platform
    app_version: str = strawberry.field(description="e.g. 2.3.1")
    locale: str = strawberry.field(description="The device's language tag, e.g. zh-CN or en-GB.")
    time_zone: str = strawberry.field(description="The device's IANA time zone, e.g. Asia/Shanghai.")


@strawberry.type
class DeviceRegistered:
    device: Device


RegisterDeviceResult = Annotated[
    DeviceRegistered | InvalidInputError | ForbiddenError | RateLimitedError,
    strawberry.union("RegisterDeviceResult"),
]


@protected_mutation()
async def register_device(info: Info, input: RegisterDeviceInput) -> RegisterDeviceResult:
    document = await devices.register_device(
        info.context.db,
        info.context.actor,
        devices.DeviceRegistration(
            token=input.token,
            platform=input.platform,
            app_version=input.app_version,
            locale=input.locale,
            time_zone=input.time_zone,
        ),
    )
    return DeviceRegistered(device=Device.from_document(document))
