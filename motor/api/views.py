"""The phone tests over the API: the patient (or their caregiver) lists and records tries; the care team reads."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from core.api import FROM_PARAM, PATIENT_ID, TO_PARAM, JsonApiMixin, date_range_params, error_responses
from motor.api.serializers import MotorTestResultSerializer, MotorTestSerializer, MotorTestWriteSerializer
from motor.presenters import result_words
from motor.selectors import motor_tests_of, previous_try
from motor.services import motor_test_record
from patients.access import get_patient_for, self_service_patient
from patients.api.permissions import IsPatient


class MyMotorTestsView(JsonApiMixin, generics.ListAPIView):
    """The patient's own tries, newest first; POST records one (scored by the server)."""

    permission_classes = [IsPatient]
    serializer_class = MotorTestSerializer
    throttle_scope = "motor_test_create"

    def get_queryset(self):
        start, end = date_range_params(self.request)
        return motor_tests_of(patient=self_service_patient(self.request.user), start=start, end=end, newest_first=True)

    @extend_schema(
        tags=["motor tests"],
        summary="List my hand and walking tests",
        parameters=[FROM_PARAM, TO_PARAM],
        responses={200: MotorTestSerializer(many=True), **error_responses(400, 401, 403)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=["motor tests"],
        summary="Record one try of a tap, step or walk test",
        description=(
            "Send what the page recorded (tap events, motion samples, or the walk's time): the server computes "
            "the results and never takes a count from the client. The same `client_id` again returns the first "
            "answer (200) and stores nothing. Answered with 201 and the result in plain words."
        ),
        request=MotorTestWriteSerializer,
        responses={
            201: MotorTestResultSerializer,
            200: MotorTestResultSerializer,
            **error_responses(400, 401, 403, 429),
        },
    )
    def post(self, request):
        patient = self_service_patient(request.user)
        row, created = motor_test_record(
            patient=patient,
            payload=request.data,
            entered_by=request.user,
            user_agent=request.headers.get("User-Agent", ""),
        )
        words = result_words(row, previous_try(row))
        body = MotorTestResultSerializer(row, context={"words": words}).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class PatientMotorTestsView(generics.ListAPIView):
    """One patient's tries, oldest first: the care team, or the patient and their caregiver."""

    serializer_class = MotorTestSerializer

    def get_queryset(self):
        patient = get_patient_for(self.request.user, self.kwargs["pk"])
        start, end = date_range_params(self.request)
        return motor_tests_of(patient=patient, start=start, end=end)

    @extend_schema(
        tags=["patients"],
        summary="A patient's hand and walking tests, oldest first",
        parameters=[PATIENT_ID, FROM_PARAM, TO_PARAM],
        responses={200: MotorTestSerializer(many=True), **error_responses(400, 401, 404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
