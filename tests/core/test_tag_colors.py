"""New tags' colours: twelve, no grey, distinct for normal and colour-blind vision."""
from __future__ import annotations

import itertools

from clipper.storage.tags import PALETTE

# Machado, Oliveira & Fernandes (2009) simulation matrices, severity 1.0, on linear RGB.
SIMULATIONS = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]],
}


def _linear(hex_color: str) -> list[float]:
    out = []
    for i in (1, 3, 5):
        c = int(hex_color[i:i + 2], 16) / 255
        out.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    return out


def _lab(rgb) -> tuple[float, float, float]:
    r, g, b = rgb
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t):
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def _seen(hex_color: str, matrix=None):
    rgb = _linear(hex_color)
    if matrix is not None:
        rgb = [max(0.0, min(1.0, sum(matrix[i][j] * rgb[j] for j in range(3)))) for i in range(3)]
    return _lab(rgb)


def _distance(a, b) -> float:
    return sum((x - y) ** 2 for x, y in zip(a, b)) ** 0.5


def test_twelve_distinct_colours_for_every_vision():
    assert len(PALETTE) >= 12 and len(set(PALETTE)) == len(PALETTE)
    for name, matrix in [("normal", None), *SIMULATIONS.items()]:
        for a, b in itertools.combinations(PALETTE, 2):
            d = _distance(_seen(a, matrix), _seen(b, matrix))
            assert d >= 13, f"{a} and {b} look alike with {name} vision (ΔE {d:.1f})"


def test_no_grey():
    for c in PALETTE:
        _l, a, b = _seen(c)
        assert (a * a + b * b) ** 0.5 > 15, f"{c} reads as grey"


def test_new_tags_take_unused_colours_and_free_slots(lib):
    names = [f"t{n}" for n in range(14)]
    for n in names:
        lib.tags.create(n)
    tags = {t.name: t for t in lib.tags.all()}
    assert [tags[n].color for n in names[:12]] == list(PALETTE)
    assert [tags[n].slot for n in names] == [1, 2, 3, 4, 5, 6, 7, 8, 9, None, None, None, None, None]
