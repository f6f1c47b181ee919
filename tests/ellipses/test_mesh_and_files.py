import xml.etree.ElementTree as ET

import numpy as np
import pytest

from kexue.ellipses import glue
from kexue.ellipses.mesh import read_obj, read_stl, solid_mesh, write_obj, write_stl
from kexue.ellipses.render import render_png
from kexue.ellipses.template import outline_points, write_template_svg

RESULTS = {ab: glue(*ab) for ab in [(2.0, 1.0), (3.0, 1.0), (1.5, 1.0), (10.0, 1.0)]}


@pytest.mark.parametrize("ab", list(RESULTS))
def test_default_mesh_is_closed_outward_and_accurate(ab):
    r = RESULTS[ab]
    a, b = ab
    rep = r.mesh().check(r)
    assert rep.watertight and rep.consistently_oriented and rep.outward_normals
    assert rep.euler_characteristic == 2
    assert abs(rep.volume / r.volume - 1) <= 1e-4
    assert abs(rep.area / (2 * np.pi * a * b) - 1) <= 1e-4
    assert all(abs(e) <= 1e-4 for e in rep.profile_rel_errors)
    assert rep.passed(1e-4)


def test_mesh_converges_quadratically():
    r = RESULTS[(2.0, 1.0)]
    e1 = abs(r.mesh(n=100).check(r).volume_rel_error)
    e2 = abs(r.mesh(n=200).check(r).volume_rel_error)
    assert e1 / e2 == pytest.approx(4.0, rel=0.05)


def test_more_points_across_changes_nothing_geometric():
    r = RESULTS[(2.0, 1.0)]
    m2, m5 = r.mesh(n=100, n_across=2), r.mesh(n=100, n_across=5)
    assert m5.volume() == pytest.approx(m2.volume(), rel=1e-12)
    assert m5.area() == pytest.approx(m2.area(), rel=1e-12)
    assert m5.check(r).watertight and m2.check(r).watertight


def test_mesh_input_validation():
    r = RESULTS[(2.0, 1.0)]
    with pytest.raises(ValueError, match="n must be"):
        solid_mesh(r, n=2)
    with pytest.raises(TypeError):
        solid_mesh(r, n=10.5)
    with pytest.raises(ValueError, match="no solid"):
        glue(1, 2).mesh()


def test_stl_round_trip(tmp_path):
    r = RESULTS[(2.0, 1.0)]
    mesh = r.mesh(n=50)
    path = write_stl(mesh, tmp_path / "solid.stl")
    normals, tris = read_stl(path)
    assert len(tris) == len(mesh.faces)
    np.testing.assert_allclose(tris, mesh.triangles(), atol=1e-6)
    # stored normals are unit and agree with the right-hand rule of the stored corners
    recomputed = np.cross(tris[:, 1] - tris[:, 0], tris[:, 2] - tris[:, 0])
    recomputed /= np.linalg.norm(recomputed, axis=1, keepdims=True)
    assert np.all(np.einsum("ij,ij->i", normals, recomputed) > 0.99)
    np.testing.assert_allclose(np.linalg.norm(normals, axis=1), 1, atol=1e-6)
    vol = np.sum(np.einsum("ij,ij->i", tris[:, 0], np.cross(tris[:, 1], tris[:, 2]))) / 6
    assert vol == pytest.approx(mesh.volume(), rel=1e-6)
    (tmp_path / "bad.stl").write_bytes(b"x" * 10)
    with pytest.raises(ValueError, match="too short"):
        read_stl(tmp_path / "bad.stl")


def test_obj_round_trip(tmp_path):
    mesh = RESULTS[(3.0, 1.0)].mesh(n=40)
    v, f = read_obj(write_obj(mesh, tmp_path / "solid.obj"))
    assert len(f) == len(mesh.faces) and len(v) == len(mesh.vertices)
    np.testing.assert_allclose(v, mesh.vertices, rtol=1e-11, atol=1e-12)
    assert {tuple(x) for x in f} == {tuple(x) for x in mesh.faces}
    assert "g sheet_A" in (tmp_path / "solid.obj").read_text()


def test_outline_points_close_up_and_lie_on_the_ellipse():
    arc = RESULTS[(2.0, 1.0)].arc_a
    sig = np.linspace(0, 4 * arc.length, 401)
    p = outline_points(arc, sig)
    np.testing.assert_allclose((p[:, 0] / 2) ** 2 + p[:, 1] ** 2, 1, atol=1e-12)
    np.testing.assert_allclose(p[0], p[-1], atol=1e-12)
    np.testing.assert_allclose(p[100], [0, 1], atol=1e-12)  # a quarter of the way round: top vertex
    assert np.all(np.diff(np.unwrap(np.arctan2(p[:, 1], p[:, 0]))) > 0)  # counter-clockwise


def test_template_svg(tmp_path):
    path = write_template_svg(RESULTS[(2.0, 1.0)], tmp_path / "t.svg", n_marks=5)
    root = ET.parse(path).getroot()
    ns = "{http://www.w3.org/2000/svg}"
    assert root.get("width").endswith("mm")
    assert len(root.findall(f"{ns}path")) == 2  # the two outlines
    labels = [t.text for t in root.findall(f"{ns}text")]
    assert labels.count("0") == 2 and labels.count("19") == 2  # 4 x 5 marks on each sheet


def test_png_renders(tmp_path):
    path = render_png(RESULTS[(2.0, 1.0)], tmp_path / "solid.png")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and 10_000 < len(data) < 300_000
