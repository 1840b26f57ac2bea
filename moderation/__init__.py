"""What moderators do daily, in the app itself: hide or show comments, move any proposal, retry
deliveries that failed, answer join requests waiting anywhere. (The admin is for staff.)

No nouns of its own: it reads through its selectors and writes through proposals.services and the
outbox's own "retry now", exactly as the proposal pages and the admin do.
"""
