"""Identity: who a request comes from — signing keys, access tokens, refresh-token sessions."""
