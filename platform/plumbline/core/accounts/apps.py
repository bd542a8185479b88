from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "plumbline.core.accounts"
    label = "accounts"
    verbose_name = "Accounts"
