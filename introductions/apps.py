from django.apps import AppConfig


class IntroductionsConfig(AppConfig):
    name = "introductions"
    verbose_name = "introductions"
