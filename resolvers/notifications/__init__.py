"""GraphQL for notifications: devices, settings, follows and the inbox."""
