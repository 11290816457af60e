from django.apps import AppConfig


class ExpensesConfig(AppConfig):
    name = "expenses"
