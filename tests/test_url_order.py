"""The API's URLs come first in the root URLconf, which may not change what any path resolves to."""

from django.urls import URLResolver, get_resolver, resolve

from tests.test_bad_input_pages import walk


def test_the_api_is_tried_first_and_no_page_route_could_match_an_api_path():
    # Django tries patterns in order; the API is first so that its calls skip the pages' patterns.
    # That is safe only while no page's route could match a path under api/: none starts with api/
    # or with a converter (which would match any first segment).
    first = get_resolver().url_patterns[0]
    assert isinstance(first, URLResolver) and str(first.pattern) == "api/v1/"
    api_prefixes = ("api/v1/", "api/schema/", "api/docs/")
    pages = [route for route, _, _ in walk() if not route.startswith(api_prefixes)]
    assert pages and not [route for route in pages if route.startswith(("api", "<"))]


def test_an_api_path_and_a_page_path_still_reach_their_own_views():
    assert resolve("/api/v1/checkins/").url_name == "api-checkins"
    assert resolve("/checkin/").url_name == "checkin"
    assert resolve("/team/patients/7/").url_name == "patient_detail"
