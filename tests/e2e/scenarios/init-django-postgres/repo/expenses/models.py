from decimal import Decimal

from django.db import models


class Expense(models.Model):
    """One line of the ledger: what was paid, how much, and in which currency."""

    label = models.CharField(max_length=200)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")
    spent_on = models.DateField()

    class Meta:
        constraints = [
            models.CheckConstraint(check=models.Q(amount__gt=Decimal("0")), name="expense_amount_positive"),
        ]

    def __str__(self):
        return f"{self.label}: {self.amount} {self.currency}"
