"""What happens to a person that apps above ``schools`` may need to act on. Sent by this app;
the receivers live in the apps that own the data (connected in their ``AppConfig.ready``)."""

from __future__ import annotations

from django.dispatch import Signal

# A person was just given a leading role (leader, facilitator or board admin), at ``now``.
# Leaders read the results, so they may not answer a questionnaire: each receiver withdraws
# what the person may no longer take part in and returns how many invitations it withdrew.
started_leading = Signal()  # sender=User, user=..., now=...

# A teacher left ``school`` (``Departure.leave``) at ``now``: each receiver withdraws what the
# person was still due to take part in there (unanswered invitations to rounds that have not
# closed, reminders) and returns how many it withdrew. What they already did stays.
left_school = Signal()  # sender=User, user=..., school=..., now=...
