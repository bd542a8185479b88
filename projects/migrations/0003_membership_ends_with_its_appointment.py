"""Memberships remember the appointment that created them, so ending the appointment ends them.

Existing data: the `register.appointed` audit events say which appointments created a membership
(`changes.membership`); those memberships are linked, and the ones whose appointment has already
ended are ended at the end of its last day (a replaced leader lost the role then)."""

import datetime

import django.db.models.deletion
from django.db import migrations, models
from django.utils import timezone


def link_memberships(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    PartyAppointment = apps.get_model("projects", "PartyAppointment")
    ProjectMembership = apps.get_model("projects", "ProjectMembership")
    events = AuditEvent.objects.filter(action="register.appointed", target_type="PartyAppointment").order_by("id")
    for event in events.iterator():
        joined = (event.changes or {}).get("membership")
        if not (isinstance(joined, list) and len(joined) == 2 and isinstance(joined[1], dict)):
            continue
        appointment = PartyAppointment.objects.filter(pk=event.target_id).first()
        if appointment is None:
            continue
        membership = (
            ProjectMembership.objects.filter(
                project_id=appointment.project_id,
                person_id=appointment.leader_id,
                role=joined[1].get("role"),
                appointment__isnull=True,
                started_at__lte=event.created_at + datetime.timedelta(seconds=5),
            )
            .order_by("-started_at")
            .first()
        )
        if membership is None:
            continue
        membership.appointment = appointment
        if appointment.end_date is not None and membership.ended_at is None:
            last_day = datetime.datetime.combine(appointment.end_date + datetime.timedelta(days=1), datetime.time.min)
            membership.ended_at = timezone.make_aware(last_day)
        membership.save(update_fields=["appointment", "ended_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0002_liability"),
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="projectmembership",
            name="appointment",
            field=models.ForeignKey(
                blank=True,
                help_text="The appointment this membership came with; it ends with it. Empty: held in its own right.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="memberships",
                to="projects.partyappointment",
            ),
        ),
        migrations.AlterField(
            model_name="projectmembership",
            name="ended_at",
            field=models.DateTimeField(
                blank=True, help_text="Set ahead when an appointment ends on a later date.", null=True
            ),
        ),
        migrations.RunPython(link_memberships, migrations.RunPython.noop),
    ]
