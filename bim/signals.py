"""What bim tells the apps above it, which it never imports: they listen."""

from django.dispatch import Signal

# sent after the commit that makes a model version ready, with `version_id` and `project_id`
version_ready = Signal()
