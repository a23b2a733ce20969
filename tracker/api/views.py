"""API views for log-in, "me" and a patient's own check-ins. Thin: validate,
fetch through the access helpers, call one service or selector, render."""

from django.db import IntegrityError
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import (
    FROM_PARAM,
    TO_PARAM,
    JsonApiMixin,
    date_range_params,
    error_responses,
)
from core.idempotency import HEADER, idempotent
from core.middleware import note_checkin_attempt
from core.throttles import LoginAccountThrottle, ScopedWriteThrottle
from patients.api.permissions import IsPatient
from tracker.api.selectors import checkins_between
from tracker.api.serializers import (
    CheckInSerializer,
    CheckInWriteSerializer,
    MeSerializer,
    TokenRequestSerializer,
    TokenSerializer,
    answers_of,
    red_flag_in,
)
from tracker.api.services import token_issue, token_revoke
from tracker.services import checkin_submit


class TokenView(JsonApiMixin, APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_scope = "login"
    throttle_classes = [ScopedWriteThrottle, LoginAccountThrottle]

    @extend_schema(
        tags=["auth"],
        summary="Log in: exchange a user name and password for a token",
        request=TokenRequestSerializer,
        responses={200: TokenSerializer, **error_responses(400, 429)},
        auth=[],
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        return Response({"token": token_issue(user=user).key, "user_id": user.pk, "role": user.role})


class LogoutView(APIView):
    @extend_schema(
        tags=["auth"],
        summary="Log out: revoke your token",
        request=None,
        responses={204: OpenApiResponse(description="Token revoked."), **error_responses(401)},
    )
    def post(self, request):
        token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    @extend_schema(
        tags=["auth"],
        summary="Who am I: role, patient record or care teams",
        responses={200: MeSerializer, **error_responses(401)},
    )
    def get(self, request):
        return Response(MeSerializer(request.user).data)


IDEMPOTENCY_PARAM = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    description="Optional. Retrying with the same key and body replays the first answer and stores nothing new.",
)


class MyCheckInsView(JsonApiMixin, generics.ListAPIView):
    """A patient's own check-ins, newest first; POST records a day's answers."""

    permission_classes = [IsPatient]
    serializer_class = CheckInSerializer
    throttle_scope = "checkin_create"

    def get_queryset(self):
        start, end = date_range_params(self.request)
        return checkins_between(patient=self.request.user.patient, start=start, end=end, newest_first=True)

    @extend_schema(
        tags=["check-ins"],
        summary="List my check-ins",
        parameters=[FROM_PARAM, TO_PARAM],
        responses={200: CheckInSerializer(many=True), **error_responses(400, 401, 403, 404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=["check-ins"],
        summary="Record (or update) a day's check-in",
        description=(
            "`date` defaults to today in the patient's time zone. A second check-in for the same date updates it "
            "(the previous answers are kept as a revision). Answered with 201 when created, 200 when updated."
        ),
        parameters=[IDEMPOTENCY_PARAM],
        request=CheckInWriteSerializer,
        responses={
            201: CheckInSerializer,
            200: CheckInSerializer,
            **error_responses(400, 401, 403, 409, 429),
        },
    )
    def post(self, request):
        # Before the idempotency check: its first query may be the write the database refuses.
        note_checkin_attempt(request, red_flag=red_flag_in(request.data))
        return idempotent(request, lambda: self._submit(request))

    def _submit(self, request) -> Response:
        serializer = CheckInWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        answers = answers_of(serializer.validated_data)
        day = serializer.validated_data.get("date")
        try:
            checkin, created = checkin_submit(patient=request.user.patient, answers=answers, date=day)
        except IntegrityError:
            # Two first submissions for one day raced; the second becomes an update.
            checkin, created = checkin_submit(patient=request.user.patient, answers=answers, date=day)
        return Response(
            CheckInSerializer(checkin).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )
