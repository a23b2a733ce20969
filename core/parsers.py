"""The API's JSON parser: malformed or hostile JSON is a 400 that says why, never a 500."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# Nothing the API accepts nests deeper than a list inside an object; 32 is generous.
MAX_DEPTH = 32


def _has_lone_surrogate(text: str) -> bool:
    # JSON's \\ud800 escapes decode to lone surrogates, which are not Unicode text:
    # they cannot be encoded, stored in PostgreSQL or hashed.
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def check_parsed(data, max_depth: int = MAX_DEPTH) -> None:
    """Raise ParseError for nesting deeper than max_depth or any string with a lone surrogate.

    Iterative, so a hostile document cannot exhaust the stack here either.
    """
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if _has_lone_surrogate(value):
                raise ParseError("JSON parse error - a string holds an invalid character (a lone \\u surrogate).")
        elif isinstance(value, (list, dict)):
            if depth > max_depth:
                raise ParseError(f"JSON parse error - nested more than {max_depth} levels deep.")
            if isinstance(value, dict):
                stack.extend((key, depth) for key in value)
                stack.extend((item, depth + 1) for item in value.values())
            else:
                stack.extend((item, depth + 1) for item in value)


class SafeJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON parse error - nested more than {MAX_DEPTH} levels deep.") from None
        except (UnicodeDecodeError, ValueError) as exc:  # pragma: no cover - DRF turns these into ParseError already
            raise ParseError(f"JSON parse error - {exc}") from None
        check_parsed(data)
        return data
