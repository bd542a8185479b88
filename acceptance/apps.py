from django.apps import AppConfig


class AcceptanceConfig(AppConfig):
    name = "acceptance"
    label = "acceptance"
    verbose_name = "Acceptance (GB 50300)"

    def ready(self):
        from inspections.cards import add_element_card_section

        from .pages import element_lots_section

        add_element_card_section(element_lots_section)
