"""The detector's fast Event construction makes the very object Event() makes (see rules._new_event)."""

import dataclasses
import datetime

import pytest

ARGS = ("opened", "rapid_decline", "urgent", datetime.date(2026, 3, 5), "Total fell", {"values": [9, 8]}, "")


def test_a_fast_event_equals_and_reads_as_the_event_its_constructor_builds(R):
    fast, slow = R._new_event(*ARGS), R.Event(*ARGS)
    assert type(fast) is R.Event
    assert fast == slow
    assert repr(fast) == repr(slow)
    assert fast.to_dict() == slow.to_dict()
    assert list(vars(fast).items()) == list(vars(slow).items())


def test_a_fast_event_sets_every_field_of_event_so_a_new_field_cannot_be_missed(R):
    names = [f.name for f in dataclasses.fields(R.Event)]
    assert list(vars(R._new_event(*ARGS))) == names
    # _new_event skips __init__, so nothing may hang on it.
    assert not hasattr(R.Event, "__post_init__")


def test_a_fast_event_is_still_frozen(R):
    with pytest.raises(dataclasses.FrozenInstanceError):
        R._new_event(*ARGS).severity = "low"


def test_the_detector_opens_episodes_as_fast_events_equal_to_constructed_ones(R):
    det = R.PatientDetector()
    start = datetime.date(2026, 1, 1)
    events = []
    for i in range(40):
        total_down = i >= 20
        events += det.feed_values(start + datetime.timedelta(days=i), 5 - 3 * total_down, 7 - 3 * total_down, 3, 3)
    assert events
    for ev in events:
        assert ev == R.Event(ev.kind, ev.rule, ev.severity, ev.date, ev.evidence, ev.evidence_data, ev.reason)
