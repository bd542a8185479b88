"""Which app router is mounted where under /api/v1/."""

ROUTERS: list = []
