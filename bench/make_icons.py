"""Draw the home-screen icons and the favicon into static/icons/ (run once; the PNGs are committed).

    .venv/bin/python bench/make_icons.py

Pure Python (zlib + struct): Pillow is not a dependency of the project. The
mark is four white vertebrae on the app's blue. The maskable icon keeps the
mark inside the central 60% so Android's circle or squircle mask never cuts
it; the plain icons are a rounded square on a transparent background.
"""

import struct
import zlib
from pathlib import Path

ICONS = Path(__file__).resolve().parent.parent / "static" / "icons"
BLUE = (11, 92, 173)  # --accent in static/css/app.css
WHITE = (255, 255, 255)
SAMPLES = 4  # 4x4 samples per pixel: smooth edges without an imaging library


def _rounded_rect(x, y, cx, cy, half_w, half_h, radius):
    """Inside a rounded rectangle centred on (cx, cy)?"""
    dx = max(abs(x - cx) - (half_w - radius), 0.0)
    dy = max(abs(y - cy) - (half_h - radius), 0.0)
    return abs(x - cx) <= half_w and abs(y - cy) <= half_h and dx * dx + dy * dy <= radius * radius


# The vertebrae in a unit square: (centre x, centre y, half width, half height), a gentle cervical curve.
_VERTEBRAE = [
    (0.50, 0.27, 0.20, 0.065),
    (0.475, 0.42, 0.22, 0.065),
    (0.475, 0.57, 0.22, 0.065),
    (0.50, 0.72, 0.20, 0.065),
]


def _colour_at(u, v, *, maskable: bool):
    """RGBA of the point (u, v) in the unit square."""
    if not maskable and not _rounded_rect(u, v, 0.5, 0.5, 0.5, 0.5, 0.18):
        return None
    # Maskable: shrink the mark into the safe zone (a circle of radius 0.4).
    scale = 0.72 if maskable else 1.0
    mu, mv = 0.5 + (u - 0.5) / scale, 0.5 + (v - 0.5) / scale
    for cx, cy, hw, hh in _VERTEBRAE:
        if _rounded_rect(mu, mv, cx, cy, hw, hh, hh):
            return WHITE
    return BLUE


def draw(size: int, *, maskable: bool = False) -> bytes:
    """The icon as raw RGBA rows, each prefixed with PNG's filter byte 0."""
    rows = bytearray()
    step = 1.0 / (size * SAMPLES)
    for py in range(size):
        rows.append(0)
        for px in range(size):
            r = g = b = a = 0
            for sy in range(SAMPLES):
                v = (py * SAMPLES + sy + 0.5) * step
                for sx in range(SAMPLES):
                    colour = _colour_at((px * SAMPLES + sx + 0.5) * step, v, maskable=maskable)
                    if colour is not None:
                        r, g, b, a = r + colour[0], g + colour[1], b + colour[2], a + 1
            n = SAMPLES * SAMPLES
            # Colour averaged over the covered samples only, so edges do not darken.
            rows += bytes((r // a, g // a, b // a, 255 * a // n) if a else (0, 0, 0, 0))
    return bytes(rows)


def png(size: int, *, maskable: bool = False) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    raw = draw(size, maskable=maskable)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def ico(images: list[tuple[int, bytes]]) -> bytes:
    """A .ico holding PNG images (every browser since IE 11 reads them)."""
    out = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    for size, data in images:
        out += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(data), offset)
        offset += len(data)
    return out + b"".join(data for _, data in images)


def main() -> None:
    ICONS.mkdir(parents=True, exist_ok=True)
    for name, size, maskable in [
        ("icon-192.png", 192, False),
        ("icon-512.png", 512, False),
        ("icon-maskable-512.png", 512, True),
        # iOS draws its own rounded corners and shows transparency as black: full bleed.
        ("apple-touch-icon.png", 180, True),
    ]:
        (ICONS / name).write_bytes(png(size, maskable=maskable))
    (ICONS / "favicon.ico").write_bytes(ico([(16, png(16)), (32, png(32))]))


if __name__ == "__main__":
    main()
