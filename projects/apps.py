from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"
    label = "projects"
    verbose_name = "Projects"
