from django.apps import AppConfig


class MaterialsConfig(AppConfig):
    name = "acceptance.materials"
    label = "materials"
    verbose_name = "Building materials"

    def ready(self):
        from inspections.cards import add_element_card_section, add_plan_marks

        from .pages import element_batches_section, failed_batch_marks
        from .sampling import rules

        rules()  # a broken MATERIAL_SAMPLING_RULES file fails at start, not on the first batch
        add_element_card_section(element_batches_section)  # the batches and tests on an element's card
        add_plan_marks(failed_batch_marks)  # the elements of failed batches on the storey plan
