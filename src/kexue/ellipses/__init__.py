"""Gluing two elliptical sheets into a closed solid (kexue.fm/archives/6818).

* :func:`glue` — two identical ellipses, exact (elliptic integrals), with the pointwise lemma check;
* :func:`glue_curves` — any two convex outlines of equal perimeter symmetric about both axes
  (:class:`SplineArc`, :func:`superellipse`);
* :func:`grid_glue` — the article's grid method, for comparison;
* meshes (:func:`solid_mesh`, STL/OBJ), the flat cutting template (SVG) and a 3-D rendering (PNG).
"""

from kexue.ellipses.arcs import EllipseArc, SplineArc, superellipse
from kexue.ellipses.gluing import EdgeCurve, GluingResult, LemmaCheck, glue, glue_curves, lemma_check

__all__ = ["EllipseArc", "SplineArc", "superellipse", "EdgeCurve", "GluingResult", "LemmaCheck", "glue",
           "glue_curves", "lemma_check"]
