"""What visitors outside the community may see, and who writes the texts they read.

What a visitor may see of a proposal is `proposals.permissions.is_public_to_visitors` and of a
meetup `meetups.permissions.is_public_to_visitors`; this module adds the rules about people and
texts. Pure predicates: no queries beyond the user's own moderator flag.
"""

from members.models import ProfileVisibility
from proposals.permissions import is_moderator


def can_edit_texts(user) -> bool:
    """Moderators write what the community is and the privacy page."""
    return is_moderator(user)


def shows_name_to_visitors(member) -> bool:
    """A member is named to visitors only when they chose it, and while the community itself may
    see their profile ("only the people on my teams" is never undone by the public page)."""
    return bool(
        member is not None
        and member.is_active
        and member.show_name_to_visitors
        and member.profile_visibility == ProfileVisibility.COMMUNITY
    )
