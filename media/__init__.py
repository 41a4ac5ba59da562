"""Images people upload (reserved: nothing lives here yet).

The rule, when it does: storing, resizing and serving images, with no GraphQL and no domain rules;
a domain keeps a reference to a stored image, not the image.
"""
