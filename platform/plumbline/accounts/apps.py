from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "plumbline.accounts"
    label = "accounts"
    verbose_name = "Accounts"
