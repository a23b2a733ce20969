"""API views for log-in, "me" and a patient's own check-ins. Thin: validate,
fetch through the access helpers, call one service or selector, render."""

from django.conf import settings
from django.db import IntegrityError
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound, Throttled
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
from patients.access import self_service_patient
from patients.api.permissions import IsPatient
from patients.tokens import token_issue, token_revoke, tokens_of, tokens_revoke_all
from tracker.api.selectors import checkins_between
from tracker.api.serializers import (
    CheckInSerializer,
    CheckInWriteSerializer,
    DeviceTokenSerializer,
    MeSerializer,
    TokenRequestSerializer,
    TokenSerializer,
    answers_of,
    red_flag_in,
)
from tracker.checkin_write import CheckInLimitReached
from tracker.services import checkin_submit


class TokenView(JsonApiMixin, APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_scope = "login"
    throttle_classes = [ScopedWriteThrottle, LoginAccountThrottle]

    @extend_schema(
        tags=["auth"],
        summary="Log in: a new token for this device",
        description=(
            "Each call makes a new token for one device (name it with `device`); other devices keep theirs. "
            "Only a hash is stored. A patient's token lasts API_PATIENT_TOKEN_DAYS from its last use; the care "
            "team's lasts API_STAFF_TOKEN_HOURS and needs `otp_code` when two-factor is required. Changing the "
            "password revokes every token."
        ),
        request=TokenRequestSerializer,
        responses={200: TokenSerializer, **error_responses(400, 429)},
        auth=[],
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        issued = token_issue(user=user, name=serializer.validated_data.get("device", ""))
        body = {"token": issued.key, "user_id": user.pk, "role": user.role}
        return Response({**body, "device": issued.token.name, "expires_at": issued.token.expires_at})


class LogoutView(APIView):
    @extend_schema(
        tags=["auth"],
        summary="Log out this device: revoke the token the request carries",
        request=None,
        responses={204: OpenApiResponse(description="Token revoked."), **error_responses(401)},
    )
    def post(self, request):
        if request.auth is not None:
            token_revoke(user=request.user, token_id=request.auth.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DeviceTokensView(JsonApiMixin, generics.ListAPIView):
    """The signed-in devices (tokens) of the user making the request."""

    serializer_class = DeviceTokenSerializer
    pagination_class = None

    def get_queryset(self):
        return tokens_of(self.request.user)

    @extend_schema(
        tags=["auth"], summary="List my signed-in devices", responses={200: DeviceTokenSerializer(many=True)}
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=["auth"],
        summary="Sign out every device (revoke all my tokens)",
        operation_id="auth_tokens_revoke_all",
        responses={204: OpenApiResponse(description="All revoked."), **error_responses(401)},
    )
    def delete(self, request):
        tokens_revoke_all(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DeviceTokenView(JsonApiMixin, APIView):
    @extend_schema(
        tags=["auth"],
        summary="Sign out one device (revoke one of my tokens)",
        operation_id="auth_token_revoke",
        responses={204: OpenApiResponse(description="Revoked."), **error_responses(401, 404)},
    )
    def delete(self, request, pk: str):
        if not pk.isdigit() or not token_revoke(user=request.user, token_id=int(pk[:18])):
            raise NotFound("No such device of yours.")
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


LIMIT_DETAIL = "Too many check-ins saved in a short time; this one was not saved."


class MyCheckInsView(JsonApiMixin, generics.ListAPIView):
    """A patient's own check-ins, newest first; POST records a day's answers."""

    permission_classes = [IsPatient]
    serializer_class = CheckInSerializer
    # No DRF throttle: the check-in limit (settings.CHECKIN_LIMIT) is counted by the write itself.

    def get_queryset(self):
        start, end = date_range_params(self.request)
        patient = self_service_patient(self.request.user)
        return checkins_between(patient=patient, start=start, end=end, newest_first=True)

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
            "(the previous answers are kept as a revision). Answered with 201 when created, 200 when updated. "
            "At most API_CHECKIN_RATE (30) check-ins are saved per patient an hour, with the page's: past it, 429 "
            "with Retry-After and nothing saved, except that a check-in with a red flag is always saved."
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
        patient = self_service_patient(request.user)
        day = serializer.validated_data.get("date")
        submit = {"patient": patient, "answers": answers, "date": day, "entered_by": request.user}
        try:
            try:
                checkin, created = checkin_submit(**submit, limit=settings.CHECKIN_LIMIT)
            except IntegrityError:
                # Two first submissions for one day raced; the second becomes an update.
                checkin, created = checkin_submit(**submit, limit=settings.CHECKIN_LIMIT)
        except CheckInLimitReached as exc:
            raise Throttled(wait=exc.retry_after, detail=LIMIT_DETAIL) from None
        return Response(
            CheckInSerializer(checkin).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )
