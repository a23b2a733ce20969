from django.urls import path

from reminders import views

urlpatterns = [
    path("reminders/", views.reminder_settings, name="reminders"),
    path("reminders/push-subscription/", views.push_subscription, name="reminder_push_subscription"),
]
