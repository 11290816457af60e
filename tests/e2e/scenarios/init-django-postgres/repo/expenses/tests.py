import datetime
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.test import TestCase

from .models import Expense


class LedgerOnPostgresTests(TestCase):
    def test_connected_as_the_ci_role(self):
        self.assertEqual(connection.vendor, "postgresql")
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            self.assertEqual(cursor.fetchone()[0], "ledger")

    def test_an_expense_is_written_and_read_back(self):
        Expense.objects.create(label="train ticket", amount=Decimal("42.50"), spent_on=datetime.date(2024, 3, 1))
        again = Expense.objects.get(label="train ticket")
        self.assertEqual(again.amount, Decimal("42.50"))
        self.assertEqual(str(again), "train ticket: 42.50 EUR")

    def test_the_database_refuses_a_negative_amount(self):
        with self.assertRaises(IntegrityError), transaction.atomic():
            Expense.objects.create(label="refund", amount=Decimal("-1"), spent_on=datetime.date(2024, 3, 2))
