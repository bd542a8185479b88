"""The demo data a newcomer sees after `make run`: loaded once, through the same actions users call."""

from django.contrib.auth import get_user_model
from django.db import transaction

PASSWORD = "plumbline-demo"
LOGINS: list[tuple[str, str]] = [("admin", "site administrator (Django admin at /admin/)")]


def load() -> bool:
    """Create the demo data unless it exists; True when it was created now."""
    User = get_user_model()
    with transaction.atomic():
        if User.objects.filter(username="admin").exists():
            return False
        User.objects.create_superuser("admin", "admin@plumbline.example", PASSWORD)
    return True
