from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "plumbline.core.notifications"
    label = "notifications"
    verbose_name = "Notifications"
