"""Thin Celery tasks of meetups, published by name (beat's schedule names them)."""

from celery import shared_task

from . import services


@shared_task(name="meetups.send_reminders")
def send_reminders() -> int:
    """Beat runs this every few minutes: each reminder goes once, however often it runs."""
    return services.meetup_reminders_send()


@shared_task(name="meetups.send_follow_ups")
def send_follow_ups() -> int:
    """Beat runs this every few minutes: after a meetup, the people who came are asked "anything
    you'd like to try?", once per meetup however often it runs."""
    return services.meetup_follow_ups_send()
