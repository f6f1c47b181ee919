"""Gluing two elliptical sheets into a closed solid (kexue.fm/archives/6818).

* :func:`glue` — two identical ellipses, exact (elliptic integrals), with the pointwise lemma check;
* :func:`glue_curves` — any two convex outlines of equal perimeter symmetric about both axes
  (:class:`SplineArc`, :func:`superellipse`);
* :func:`grid_glue` / :func:`compare_grid` — the article's grid method, for comparison;
* :func:`solid_mesh` with :func:`write_stl` / :func:`write_obj`, the flat cutting template
  (:func:`write_template_svg`) and a 3-D rendering (:func:`render_png`).
"""

from kexue.ellipses.arcs import EllipseArc, SplineArc, superellipse
from kexue.ellipses.gluing import EdgeCurve, GluingResult, LemmaCheck, glue, glue_curves, lemma_check
from kexue.ellipses.grid_method import GridResult, compare_grid, grid_glue
from kexue.ellipses.mesh import MeshReport, SolidMesh, read_obj, read_stl, solid_mesh, write_obj, write_stl
from kexue.ellipses.render import render_png
from kexue.ellipses.template import write_template_svg

__all__ = [
    "EllipseArc", "SplineArc", "superellipse",
    "EdgeCurve", "GluingResult", "LemmaCheck", "glue", "glue_curves", "lemma_check",
    "GridResult", "compare_grid", "grid_glue",
    "MeshReport", "SolidMesh", "read_obj", "read_stl", "solid_mesh", "write_obj", "write_stl",
    "render_png", "write_template_svg",
]
