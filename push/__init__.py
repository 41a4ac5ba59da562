"""Push notifications over FCM: the message of one push (`messages`), sending a batch through
firebase-admin (`sender`, `firebase_app`), what FCM's answer means (`outcomes`, `retries`), and the
delivery loop that claims due deliveries and records each (`delivery_worker`), with its metrics.

The rule: this package sends what models/notifications/ queued and records the outcome through it;
it decides neither who is told nor what (the fan-out in models/notifications/ does).
"""
