"""Districts: the parts of the city that people live in, sign from and follow."""
