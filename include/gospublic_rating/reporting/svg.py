"""Small inline SVG charts, drawn directly (no scripts, fonts or files from elsewhere)."""

from __future__ import annotations

from html import escape

BLUE, ORANGE, GREY = "#2f6db5", "#e08a2b", "#999"


def _svg(width: int, height: int, body: list[str], label: str) -> str:
    return (
        f'<svg class="chart" role="img" aria-label="{escape(label)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg" font-size="11" '
        f'font-family="sans-serif">{"".join(body)}</svg>'
    )


def _axis(x0: int, x1: int, y: int, top: int, low: float, high: float, ticks: int = 5) -> list[str]:
    out = []
    for k in range(ticks + 1):
        value = low + (high - low) * k / ticks
        x = x0 + (x1 - x0) * k / ticks
        out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{y}" stroke="#eee"/>')
        out.append(f'<text x="{x:.1f}" y="{y + 12}" text-anchor="middle" fill="#555">{value:g}</text>')
    return out


def stacked_blocks(rows: list[tuple[str, float, float]], weights: tuple[float, float]) -> str:
    """One horizontal bar per region (sorted as given): weighted block 1 + weighted block 2 = total."""
    left, width, bar = 170, 380, 11
    height = 30 + bar * len(rows) + 20
    body = _axis(left, left + width, height - 20, 20, 0, 100)
    body.append(f'<rect x="{left}" y="4" width="10" height="10" fill="{BLUE}"/>')
    body.append(f'<text x="{left + 14}" y="13">блок 1 × {weights[0]:g}</text>')
    body.append(f'<rect x="{left + 130}" y="4" width="10" height="10" fill="{ORANGE}"/>')
    body.append(f'<text x="{left + 144}" y="13">блок 2 × {weights[1]:g}</text>')
    for n, (name, block1, block2) in enumerate(rows):
        y = 20 + n * bar
        w1, w2 = width * weights[0] * block1 / 100, width * weights[1] * block2 / 100
        body.append(f'<text x="{left - 4}" y="{y + 9}" text-anchor="end">{escape(name[:28])}</text>')
        body.append(f'<rect class="bar" x="{left}" y="{y + 1}" width="{w1:.1f}" height="{bar - 2}" fill="{BLUE}"/>')
        body.append(
            f'<rect class="bar" x="{left + w1:.1f}" y="{y + 1}" width="{w2:.1f}" height="{bar - 2}" fill="{ORANGE}">'
            f"<title>{escape(name)}: блок 1 {block1:.1f}, блок 2 {block2:.1f}</title></rect>"
        )
    return _svg(left + width + 20, height, body, "Блоки по регионам")


def strips(groups: list[tuple[str, list[tuple[str, float]]]], low: float, high: float, bounds=None, label="") -> str:
    """Dots of values per group (one row each) on a common axis, with the group mean and optional clip bounds."""
    left, width, row = 190, 380, 22
    height = 10 + row * len(groups) + 24
    span = (high - low) or 1.0

    def x(value: float) -> float:
        return left + width * (value - low) / span

    body = _axis(left, left + width, height - 22, 4, round(low, 6), round(high, 6))
    if bounds:
        for value, name in zip(bounds, ("нижняя", "верхняя"), strict=True):
            if value is not None:
                body.append(
                    f'<line class="clip" x1="{x(value):.1f}" y1="4" x2="{x(value):.1f}" y2="{height - 22}" '
                    f'stroke="#c00" stroke-dasharray="4 3"><title>{name} граница {value:.4g}</title></line>'
                )
    for n, (name, points) in enumerate(groups):
        y = 10 + n * row + row / 2
        body.append(f'<text x="{left - 6}" y="{y + 4}" text-anchor="end">{escape(name[:32])}</text>')
        for who, value in points:
            body.append(
                f'<circle class="dot" cx="{x(value):.1f}" cy="{y}" r="3" fill="{BLUE}" fill-opacity=".55">'
                f"<title>{escape(who)}: {value:.4g}</title></circle>"
            )
        if points:
            mean = sum(v for _, v in points) / len(points)
            body.append(f'<line x1="{x(mean):.1f}" y1="{y - 8}" x2="{x(mean):.1f}" y2="{y + 8}" stroke="#000"/>')
    return _svg(left + width + 20, height, body, label)


def place_line(history: list[tuple[str, int]], worst: int) -> str:
    """A small line of a region's place over periods (place 1 at the top)."""
    width, height, pad = 260, 70, 18
    step = (width - 2 * pad) / max(1, len(history) - 1)

    def y(place: int) -> float:
        return pad / 2 + (height - pad * 1.5) * (place - 1) / max(1, worst - 1)

    coords = [(pad + n * step, y(place)) for n, (_, place) in enumerate(history)]
    body = [
        f'<polyline class="line" fill="none" stroke="{BLUE}" stroke-width="2" '
        f'points="{" ".join(f"{a:.1f},{b:.1f}" for a, b in coords)}"/>'
    ]
    for (period, place), (a, b) in zip(history, coords, strict=True):
        body.append(f'<circle cx="{a:.1f}" cy="{b:.1f}" r="3" fill="{BLUE}"><title>{period}: {place}</title></circle>')
        body.append(f'<text x="{a:.1f}" y="{height - 2}" text-anchor="middle" fill="#555">{period[2:]}</text>')
    return _svg(width, height, body, "Место по периодам")
