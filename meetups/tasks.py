"""Thin Celery tasks of meetups, published by name (beat's schedule names them)."""

from celery import shared_task

from . import services


@shared_task(name="meetups.send_reminders")
def send_reminders() -> int:
    """Beat runs this every few minutes: each reminder goes once, however often it runs."""
    return services.meetup_reminders_send()
