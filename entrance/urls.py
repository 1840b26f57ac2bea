from django.urls import path

from .web import views

app_name = "entrance"

urlpatterns = [
    path("public/", views.public_page, name="public"),
    path("p/<int:pk>/", views.public_proposal, name="proposal"),
    path("privacy/", views.privacy, name="privacy"),
    path("public/texts/<str:kind>/", views.text_edit, name="text_edit"),
]
