from django.db import models


class Row(models.Model):
    """What the stock insert writes: one row with a timestamp."""

    made = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"row {self.pk}"
