"""Mutations on comments and the adoption report (one per module in mutations/)."""

from __future__ import annotations

import strawberry

from resolvers.consultations.mutations.assign_comments_to_theme import assign_comments_to_theme
from resolvers.consultations.mutations.create_theme import create_theme
from resolvers.consultations.mutations.delete_comment import delete_comment
from resolvers.consultations.mutations.edit_comment import edit_comment
from resolvers.consultations.mutations.publish_adoption_report import publish_adoption_report
from resolvers.consultations.mutations.reply_to_comment import reply_to_comment
from resolvers.consultations.mutations.set_comment_outcome import set_comment_outcome
from resolvers.consultations.mutations.set_theme_outcome import set_theme_outcome
from resolvers.consultations.mutations.submit_comment import submit_comment
from resolvers.consultations.mutations.submit_comment_on_behalf import submit_comment_on_behalf
from resolvers.consultations.mutations.toggle_agree import toggle_agree


@strawberry.type
class CommentMutations:
    submit_comment = strawberry.mutation(
        resolver=submit_comment, description="Comment on a clause of an open consultation, or on the whole."
    )
    submit_comment_on_behalf = strawberry.mutation(
        resolver=submit_comment_on_behalf,
        description="Helpers: submit a citizen's comment, the citizen identified by phone number.",
    )
    edit_comment = strawberry.mutation(
        resolver=edit_comment, description="Change your comment's text (first 15 minutes, before any reply)."
    )
    delete_comment = strawberry.mutation(resolver=delete_comment, description="Delete your comment.")
    toggle_agree = strawberry.mutation(
        resolver=toggle_agree, description="Agree with someone else's comment; again takes it back."
    )
    reply_to_comment = strawberry.mutation(
        resolver=reply_to_comment, description="Officials of the department: answer a comment publicly."
    )


@strawberry.type
class AdoptionReportMutations:
    create_theme = strawberry.mutation(
        resolver=create_theme, description="Officials: group similar comments."
    )
    assign_comments_to_theme = strawberry.mutation(
        resolver=assign_comments_to_theme, description="Officials: put comments into a theme."
    )
    set_comment_outcome = strawberry.mutation(
        resolver=set_comment_outcome, description="Officials: a comment's own outcome, with a reason."
    )
    set_theme_outcome = strawberry.mutation(
        resolver=set_theme_outcome, description="Officials: the outcome of a theme's comments, with a reason."
    )
    publish_adoption_report = strawberry.mutation(
        resolver=publish_adoption_report,
        description="Officials: conclude a closed consultation; refused while a comment has no outcome.",
    )
