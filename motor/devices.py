"""A short, non-identifying summary of the browser that ran a test ("Android phone, Chrome")."""

import re

_SYSTEMS = (
    ("iPad", "iPad"),
    ("iPhone", "iPhone"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Macintosh", "Mac"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)
# Order matters: Edge and Chrome both say "Chrome", Chrome and Safari both say "Safari".
_BROWSERS = (
    ("Edg/", "Edge"),
    ("Firefox/", "Firefox"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Chrome/", "Chrome"),
    ("CriOS/", "Chrome"),
    ("Safari/", "Safari"),
)


def device_summary(user_agent: str) -> str:
    """System, phone or not, and browser family: enough to tell a change of device in the results."""
    ua = user_agent or ""
    system = next((name for token, name in _SYSTEMS if token in ua), "Unknown system")
    browser = next((name for token, name in _BROWSERS if token in ua), "unknown browser")
    mobile = " phone" if re.search(r"Mobi|iPhone", ua) and system not in ("iPhone", "iPad") else ""
    return f"{system}{mobile}, {browser}"[:120]
