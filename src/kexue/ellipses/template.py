"""Flat cutting template (SVG) for the two sheets.

Each sheet is cut out flat and bent along its horizontal axis; the thin ruling lines across it are
the generators, which stay straight when it is bent. Matching marks say which points meet: mark k
sits at arc length k·l/n counter-clockwise from the right vertex on sheet A and clockwise from the
top vertex on sheet B (that is P(s) = (x(s), h_A(s), h_B(l − s)) in every octant).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kexue._validation import check_positive_int
from kexue.ellipses.arcs import check_positive


def outline_points(arc, sigma) -> np.ndarray:
    """Points of the whole closed outline at counter-clockwise arc length σ from (α, 0), σ mod 4l.

    Built from the quarter arc by the curve's two mirror symmetries.
    """
    l = arc.length
    sigma = np.mod(np.asarray(sigma, dtype=float), 4 * l)
    quadrant = np.minimum((sigma // l).astype(int), 3)
    r = sigma - quadrant * l
    odd = quadrant % 2 == 1
    x, y = arc.point(arc.param_at(np.where(odd, l - r, r)))
    sx = np.where((quadrant == 1) | (quadrant == 2), -1.0, 1.0)
    sy = np.where(quadrant >= 2, -1.0, 1.0)
    return np.column_stack([sx * x, sy * y])


def _sheet_svg(arc, origin, scale, n_marks, clockwise_from_top, label) -> list[str]:
    ox, oy = origin
    l = arc.length

    def to_svg(p):  # y up in the drawing
        return ox + scale * p[:, 0], oy - scale * p[:, 1]

    sig = np.linspace(0.0, 4 * l, 721)
    px, py = to_svg(outline_points(arc, sig))
    path = "M " + " L ".join(f"{x:.3f},{y:.3f}" for x, y in zip(px[:-1], py[:-1])) + " Z"
    out = [f'<path d="{path}" fill="none" stroke="black" stroke-width="0.35"/>']
    alpha, beta = arc.semi_axes
    # rulings: the generators, perpendicular to the bent axis
    for u in np.linspace(0.0, arc.span, n_marks + 1)[1:-1]:
        x, y = arc.point(u)
        for sx in (-1, 1):
            X = ox + scale * sx * x
            out.append(f'<line x1="{X:.3f}" y1="{oy - scale * y:.3f}" x2="{X:.3f}" y2="{oy + scale * y:.3f}" '
                       'stroke="#888" stroke-width="0.2" stroke-dasharray="1,1"/>')
    out.append(f'<line x1="{ox - scale * alpha:.3f}" y1="{oy:.3f}" x2="{ox + scale * alpha:.3f}" y2="{oy:.3f}" '
               'stroke="#c33" stroke-width="0.25" stroke-dasharray="4,2"/>')
    # matching marks, drawn inward along the outline's normal
    ks = np.arange(4 * n_marks)
    steps = ks * l / n_marks
    sig_k = np.mod(l - steps, 4 * l) if clockwise_from_top else steps
    pts = outline_points(arc, sig_k)
    ahead = outline_points(arc, sig_k + 1e-4 * l) - outline_points(arc, sig_k - 1e-4 * l)
    normal = np.column_stack([ahead[:, 1], -ahead[:, 0]])
    normal /= np.linalg.norm(normal, axis=1, keepdims=True)
    tick = 3.0 / scale
    for k, p, nrm in zip(ks, pts, normal):
        a = to_svg(p[None])
        b = to_svg((p - tick * nrm)[None])
        c = to_svg((p - 2.6 * tick * nrm)[None])
        out.append(f'<line x1="{a[0][0]:.3f}" y1="{a[1][0]:.3f}" x2="{b[0][0]:.3f}" y2="{b[1][0]:.3f}" '
                   'stroke="#06c" stroke-width="0.3"/>')
        out.append(f'<text x="{c[0][0]:.3f}" y="{c[1][0] + 1.0:.3f}" font-size="2.8" text-anchor="middle" '
                   f'fill="#06c">{k}</text>')
    out.append(f'<text x="{ox:.3f}" y="{oy + scale * beta + 9:.3f}" font-size="4" text-anchor="middle">'
               f'{label}</text>')
    return out


def write_template_svg(result, path, n_marks: int = 6, scale: float = 30.0) -> Path:
    """Write the cutting template of both sheets of a :class:`~kexue.ellipses.GluingResult`.

    Parameters
    ----------
    n_marks : matching marks per quarter of each outline.
    scale : millimetres per unit of length (the SVG is in mm).
    """
    n_marks = check_positive_int(n_marks, "n_marks", minimum=1)
    scale = check_positive(scale, "scale")
    arcs = (result.arc_a, result.arc_b)
    widths = [2 * arc.semi_axes[0] * scale for arc in arcs]
    height = max(2 * arc.semi_axes[1] for arc in arcs) * scale
    margin = 20.0
    total_w = sum(widths) + 3 * margin
    total_h = height + 2 * margin + 20
    centres = [margin + widths[0] / 2, 2 * margin + widths[0] + widths[1] / 2]
    cy = margin + 8 + height / 2
    body = [
        f'<text x="{margin:.1f}" y="10" font-size="4.5">Cut both sheets; bend each along its red dashed axis '
        f'(grey lines stay straight); glue mark k of A to mark k of B. Unit length = {scale:g} mm.</text>',
    ]
    body += _sheet_svg(arcs[0], (centres[0], cy), scale, n_marks, False,
                       "sheet A: top and bottom (marks counter-clockwise from the right vertex)")
    body += _sheet_svg(arcs[1], (centres[1], cy), scale, n_marks, True,
                       "sheet B: sides (marks clockwise from the top vertex)")
    body.append(f'<line x1="{margin:.1f}" y1="{total_h - 6:.1f}" x2="{margin + 10:.1f}" y2="{total_h - 6:.1f}" '
                'stroke="black" stroke-width="0.5"/>')
    body.append(f'<text x="{margin + 12:.1f}" y="{total_h - 5:.1f}" font-size="3">10 mm</text>')
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{total_w:.1f}mm" height="{total_h:.1f}mm" '
           f'viewBox="0 0 {total_w:.3f} {total_h:.3f}" font-family="sans-serif">\n' + "\n".join(body) + "\n</svg>\n")
    path = Path(path)
    path.write_text(svg)
    return path
