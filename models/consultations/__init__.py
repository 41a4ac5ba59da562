"""Consultations (意见征集): draft policies commented clause by clause, answered by an adoption report."""
