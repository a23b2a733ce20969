"""Property-based fuzzing of the whole API from its own OpenAPI schema (schemathesis).

Every operation of /api/schema/ gets generated requests, valid and invalid
(schemathesis' positive and negative modes), sent in-process to the WSGI
app with a real token, once as a patient and once as a clinician. Checks:
no 5xx on any input, and every documented response matches its schema.
Path ids are mostly swapped for real objects so the fuzzed bodies and query
strings reach the code behind the 404. Bounded: a few examples per operation.
"""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from config.wsgi import application
from notifications.models import Alert
from patients.tokens import token_issue
from tests.conftest import add_history

MAX_EXAMPLES = 15


@pytest.fixture
def fuzz_world(settings, patient, other_patient, clinician, other_clinician, team_b_patient):
    # Throttles off: fuzzing is not a brute-force attack (throttling has its own test).
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {}}
    add_history(patient, days=20)
    alert = Alert.objects.create(
        patient=patient, rule="drift", severity="moderate", date=patient.local_today(), evidence="x"
    )
    return {"patient": patient, "clinician": clinician, "alert": alert}


@pytest.fixture
def in_process_wsgi():
    """Keep the test's database connection across raw WSGI requests.

    A finished request closes "old" connections, and inside the test's
    transaction that means this one; Django's own test client unhooks the
    same signal handler for the same reason.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(params=["patient", "clinician"])
def fuzz_as(request, fuzz_world, in_process_wsgi):
    user = fuzz_world["patient"].user if request.param == "patient" else fuzz_world["clinician"]
    return {"Authorization": f"Token {token_issue(user=user).key}"}


# Loaded at collection from the served endpoint, so what is fuzzed is what clients get.
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


def _point_at_real_objects(case, world):
    value = case.path_parameters.get("id") if case.path_parameters else None
    if isinstance(value, int) and value % 4 != 0:
        real = world["alert"] if "/alerts/" in case.operation.path else world["patient"]
        case.path_parameters["id"] = real.pk


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None
)
def test_the_api_never_fails_and_matches_its_schema(case, fuzz_as, fuzz_world):
    _point_at_real_objects(case, fuzz_world)
    case.call_and_validate(headers=fuzz_as, checks=[not_a_server_error, response_schema_conformance])
