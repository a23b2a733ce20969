from django.urls import path

from notifications import views

urlpatterns = [
    path("alerts/", views.inbox, name="alert_inbox"),
    path("alerts/fragment/", views.inbox_fragment, name="alert_inbox_fragment"),
    path("alerts/preferences/", views.preferences, name="alert_preferences"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert_detail"),
    path("alerts/<int:pk>/acknowledge/", views.alert_acknowledge, name="alert_acknowledge"),
    path("alerts/<int:pk>/resolve/", views.alert_resolve, name="alert_resolve"),
    path("alerts/<int:pk>/assign/", views.alert_assign, name="alert_assign"),
    path("alerts/<int:pk>/contact/", views.alert_contact, name="alert_contact"),
]
