import uuid

import pytest

from patients.models import Caregiver, User
from tests.conftest import PASSWORD


def taps(n: int, every_ms: float = 300, start: float = 0, side_first: str = "a") -> list[dict]:
    order = "ab" if side_first == "a" else "ba"
    return [{"t": start + i * every_ms, "target": order[i % 2], "pointer": 1} for i in range(n)]


def tap_payload(n: int = 30, side: str = "right", **extra) -> dict:
    return {
        "client_id": str(uuid.uuid4()),
        "kind": "tap",
        "side": side,
        "input_method": "touch",
        "events": taps(n),
        **extra,
    }


@pytest.fixture
def caregiver(patient):
    user = User(username="tom.helper", role=User.Role.CAREGIVER, first_name="Tom")
    user.set_password(PASSWORD)
    user.save()
    Caregiver.objects.create(user=user, patient=patient)
    return user
