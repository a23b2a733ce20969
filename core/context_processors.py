from django.conf import settings


def site(request):
    return {"CLINIC_PHONE": settings.CLINIC_PHONE, "EMERGENCY_NUMBER": settings.EMERGENCY_NUMBER}
