"""Departments: the tree of government bodies that hold cases and answer for them."""
