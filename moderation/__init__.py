"""Automatic screening of user text: the detectors (`detectors/`: lexicon, personal data, spam and
links, near-duplicates, impersonation), redaction, and `screening` (`text_findings`, then
`screening_of`: the one verdict every piece of content gets).

The rule: pure functions over text and the rules they are given. No database and no I/O here; the
moderation queue, its rules and decisions as stored live in models/moderation/, which calls this.
"""
