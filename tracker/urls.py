from django.urls import path

from tracker import views

urlpatterns = [
    path("", views.home, name="home"),
    path("checkin/", views.checkin, name="checkin"),
    path("checkin/<str:day>/done/", views.checkin_done, name="checkin_done"),
    path("today/", views.today, name="today"),
    path("team/patients/<int:pk>/baseline/", views.baseline_reset, name="baseline_reset"),
]
