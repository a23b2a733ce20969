from django.urls import path

from patients import views

urlpatterns = [
    path("team/patients/", views.team_patients, name="team_patients"),
    path("team/patients/new/", views.enrol, name="enrol"),
    path("team/patients/<int:pk>/", views.patient_detail, name="patient_detail"),
    path("team/patients/<int:pk>/events/new/", views.event_add, name="event_add"),
    path("join/", views.join, name="join"),
    path("join/<str:code>/", views.join, name="join_code"),
]
