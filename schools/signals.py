"""What happens to a person that apps above ``schools`` may need to act on. Sent by this app;
the receivers live in the apps that own the data (connected in their ``AppConfig.ready``)."""

from __future__ import annotations

from django.dispatch import Signal

# A person was just given a leading role (leader, facilitator or board admin), at ``now``.
# Leaders read the results, so they may not answer a questionnaire: each receiver withdraws
# what the person may no longer take part in and returns how many invitations it withdrew.
started_leading = Signal()  # sender=User, user=..., now=...
