"""Charts drawn on the server as SVG (no script, so they pass the pages' CSP and print as they
are): bars of the score distribution, stacked bars of findings opened per month. Plain values in,
an SVG document out."""

from html import escape

WIDTH, HEIGHT, MARGIN = 640, 260, 40
COLOURS = {"critical": "#a61b1b", "major": "#d9822b", "minor": "#7a8b99"}


def _frame(title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
        f"aria-label=\"{escape(title)}\" font-family=\"system-ui, 'Noto Sans CJK SC', 'PingFang SC', sans-serif\"><title>{escape(title)}</title>"
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#fff"/>'
        f'<text x="{MARGIN}" y="22" font-size="15" font-weight="600" fill="#1d2733">{escape(title)}</text>'
        + "".join(body)
        + "</svg>"
    )


def bar_chart(title: str, labels: list[str], values: list[int], *, colour: str = "#0b5cad") -> str:
    top = max(values, default=0) or 1
    plot_h = HEIGHT - 2 * MARGIN - 10
    step = (WIDTH - 2 * MARGIN) / max(len(values), 1)
    body = [
        f'<line x1="{MARGIN}" y1="{HEIGHT - MARGIN}" x2="{WIDTH - MARGIN}" y2="{HEIGHT - MARGIN}" stroke="#5d6b7a"/>'
    ]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = plot_h * value / top
        x = MARGIN + i * step + step * 0.15
        y = HEIGHT - MARGIN - h
        body.append(
            f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" height="{h:.1f}" fill="{colour}">'
            f"<title>{escape(label)}: {value}</title></rect>"
        )
        body.append(
            f'<text x="{x + step * 0.35:.1f}" y="{y - 4:.1f}" font-size="12" text-anchor="middle">{value}</text>'
        )
        body.append(
            f'<text x="{x + step * 0.35:.1f}" y="{HEIGHT - MARGIN + 16}" font-size="11" text-anchor="middle" '
            f'fill="#5d6b7a">{escape(label)}</text>'
        )
    return _frame(title, body)


def stacked_chart(title: str, labels: list[str], series: dict[str, list[int]], legend: dict[str, str]) -> str:
    """One bar per label, stacked by series (in the order of `legend`)."""
    totals = [sum(values[i] for values in series.values()) for i in range(len(labels))]
    top = max(totals, default=0) or 1
    plot_h = HEIGHT - 2 * MARGIN - 10
    step = (WIDTH - 2 * MARGIN) / max(len(labels), 1)
    body = [
        f'<line x1="{MARGIN}" y1="{HEIGHT - MARGIN}" x2="{WIDTH - MARGIN}" y2="{HEIGHT - MARGIN}" stroke="#5d6b7a"/>'
    ]
    for i, label in enumerate(labels):
        y = HEIGHT - MARGIN
        x = MARGIN + i * step + step * 0.15
        for key in legend:
            value = series.get(key, [0] * len(labels))[i]
            if not value:
                continue
            h = plot_h * value / top
            y -= h
            body.append(
                f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" height="{h:.1f}" '
                f'fill="{COLOURS.get(key, "#0b5cad")}"><title>{escape(label)} {escape(legend[key])}: {value}</title></rect>'
            )
        body.append(
            f'<text x="{x + step * 0.35:.1f}" y="{HEIGHT - MARGIN + 16}" font-size="11" text-anchor="middle" '
            f'fill="#5d6b7a">{escape(label)}</text>'
        )
    for n, (key, name) in enumerate(legend.items()):
        lx = WIDTH - MARGIN - 110 * (len(legend) - n)
        body.append(f'<rect x="{lx}" y="30" width="12" height="12" fill="{COLOURS.get(key, "#0b5cad")}"/>')
        body.append(f'<text x="{lx + 16}" y="41" font-size="12">{escape(name)}</text>')
    return _frame(title, body)
