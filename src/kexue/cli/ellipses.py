"""``kexue ellipse``: can two elliptical sheets be glued into a solid? Numbers, meshes and pictures."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def ellipse(
    a: float = typer.Option(2.0, "--a", help="semi-axis along which each sheet is bent"),
    b: float = typer.Option(1.0, "--b", help="the other semi-axis"),
    p: Optional[float] = typer.Option(None, "--p", help="glue two superellipses |x/a|^p + |y/b|^p = 1 instead "
                                                           "(p > 1; spline-based, accuracy 1e-7 or better)"),
    stl: Optional[Path] = typer.Option(None, "--stl", help="write the closed mesh as binary STL"),
    obj: Optional[Path] = typer.Option(None, "--obj", help="write the closed mesh as OBJ"),
    svg: Optional[Path] = typer.Option(None, "--svg", help="write the flat cutting template as SVG"),
    png: Optional[Path] = typer.Option(None, "--png", help="write a 3-D rendering of the solid as PNG"),
    resolution: int = typer.Option(400, "--resolution", help="mesh intervals along the solid"),
    grid_method: bool = typer.Option(False, "--grid-method", help="also run the article's grid method and show "
                                                                  "its error next to the exact result"),
    grid_step: float = typer.Option(1e-6, "--grid-step", help="y-step of the grid method"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object instead of text"),
) -> None:
    """Glue two identical sheets, each bent along its a-axis (the verdict says whether they glue).

    Prints the quarter perimeter l, the solid's length x(l) and volume, the gluing discriminant
    min 1 - h'(s)^2 - h'(l-s)^2 with its location, the verdict, the lemma check, the isometry and
    mesh checks, and writes the requested files.
    """
    import json

    import numpy as np

    from kexue.ellipses import glue, glue_curves, superellipse
    from kexue.ellipses.grid_method import compare_grid
    from kexue.ellipses.mesh import write_obj, write_stl

    if grid_method and p is not None:
        raise ValueError("--grid-method reproduces the article's ellipse computation; drop --p")
    if p is None:
        result = glue(a, b)
        sheets = f"two ellipses a={a:g}, b={b:g}"
    else:
        sheet = superellipse(a, b, p)
        result = glue_curves(sheet, sheet)
        sheets = f"two superellipses a={a:g}, b={b:g}, p={p:g}"
    out: dict = {"sheets": sheets, **result.to_dict()}
    wants_mesh = stl or obj or png
    if wants_mesh or svg:
        if not result.gluable:
            raise ValueError(f"cannot write files, there is no solid: {result.verdict}")
    report = None
    if result.gluable and not result.flat:
        mesh = result.mesh(n=resolution)
        report = mesh.check(result)
        out["mesh"] = {"intervals": resolution, "triangles": int(len(mesh.faces)), **report.to_dict()}
    elif wants_mesh:
        raise ValueError("the solid is flat (length and volume 0), so there is no mesh or picture to write")
    written = []
    if stl:
        written.append(write_stl(mesh, stl))
    if obj:
        written.append(write_obj(mesh, obj))
    if svg:
        from kexue.ellipses.template import write_template_svg

        written.append(write_template_svg(result, svg))
    if png:
        from kexue.ellipses.render import render_png

        written.append(render_png(result, png))
    if grid_method:
        out["grid_method"] = {"step": grid_step, "rows": compare_grid(a, b, grid_step)}
    out["written"] = [str(w) for w in written]

    if as_json:
        typer.echo(json.dumps(out, indent=2, default=float))
    else:
        e = typer.echo
        e(f"sheets: {sheets}, each bent along its a-axis")
        e(f"quarter perimeter l        {result.quarter_length:.10f}")
        e(f"solid length x(l)          {result.length:.10f}")
        e(f"volume V                   {result.volume:.10f}")
        e(f"discriminant min D(s)      {result.discriminant:.4g} at s = {result.discriminant_s:.6g}")
        e(f"verdict: {result.verdict}")
        if result.lemma is not None:
            lem = result.lemma
            e(f"lemma (dy/dx)^2 at s <= (dx/dy)^2 at l-s: {'holds' if lem.holds else 'FAILS'} at "
              f"{lem.t0.size} grid points (largest ratio {lem.worst_ratio:.6g})")
        if result.gluable:
            area_target = 2 * np.pi * a * b if p is None else sum(result.sheet_areas)
            e(f"isometry: sheet profile lengths {result.profile_lengths[0]:.10f}, {result.profile_lengths[1]:.10f} "
              f"(target {a:g}); surface area {result.surface_area:.10f} (2 x sheet area {area_target:.10f})")
        if report is not None:
            yes = {True: "yes", False: "NO"}
            e(f"mesh ({resolution} intervals, {len(mesh.faces)} triangles): watertight {yes[report.watertight]}, "
              f"oriented {yes[report.consistently_oriented]}, outward normals {yes[report.outward_normals]}, "
              f"Euler characteristic {report.euler_characteristic}")
            e(f"  volume {report.volume:.8f} (rel. error {report.volume_rel_error:.2e}), area {report.area:.8f} "
              f"(rel. error {report.area_rel_error:.2e}), profile rel. errors "
              f"{report.profile_rel_errors[0]:.2e}, {report.profile_rel_errors[1]:.2e}")
        if grid_method:
            e(f"grid method (step {grid_step:g}) vs exact:")
            e(f"  {'quantity':<18}{'exact':>18}{'grid':>18}{'error':>12}")
            for row in out["grid_method"]["rows"]:
                e(f"  {row['quantity']:<18}{row['exact']:>18.10f}{row['grid']:>18.10f}{row['error']:>12.2e}")
        for w in written:
            e(f"wrote {w}")


def register(app: typer.Typer) -> None:
    """Add ``kexue ellipse``."""
    app.command(name="ellipse")(ellipse)
