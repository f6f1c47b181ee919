"""Closed triangle mesh of the glued solid, its checks, and STL/OBJ files.

At station x(s) the solid's cross-section is the rectangle |y| ≤ Y = h_A(s), |z| ≤ Z = h_B(l − s).
Its four faces are ruled: the top and bottom (sheet A) are z = ±Z(x), |y| ≤ Y(x), straight across
in y; the sides (sheet B) are y = ±Y(x), |z| ≤ Z(x), straight across in z. Every face is meshed on
the same stations (evenly spaced in arc A's parameter) times ``n_across`` points across, and
shared vertices are merged, so the four faces close up along the four edge curves, at the
segment x = 0 (Y = 0) and at the segment x = L (Z = 0). Between two stations each face strip is a
planar trapezoid, so the mesh is the solid's exact polyhedral interpolation: volume and area
converge like 1/n².
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kexue._validation import check_positive_int


@dataclass(frozen=True)
class MeshReport:
    """Checks of a closed mesh against the exact solution (relative errors are signed)."""

    watertight: bool
    consistently_oriented: bool
    outward_normals: bool
    euler_characteristic: int
    volume: float
    volume_rel_error: float
    area: float
    area_rel_error: float
    profile_lengths: tuple[float, float]
    profile_rel_errors: tuple[float, float]

    def passed(self, rtol: float = 1e-4) -> bool:
        """Closed, outward, and volume/area/profile lengths within ``rtol``."""
        errors = (self.volume_rel_error, self.area_rel_error, *self.profile_rel_errors)
        return (self.watertight and self.consistently_oriented and self.outward_normals
                and self.euler_characteristic == 2 and all(abs(e) <= rtol for e in errors))

    def to_dict(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class SolidMesh:
    """Triangle mesh: ``vertices`` (V, 3) float, ``faces`` (F, 3) int, counter-clockwise seen from outside.

    ``sheet`` (F,) says which sheet each triangle belongs to (0 = A, top/bottom; 1 = B, sides);
    ``stations`` (n + 1, 3) holds (x, Y, Z) along the solid, the data the mesh was built from.
    """

    vertices: np.ndarray
    faces: np.ndarray
    sheet: np.ndarray
    stations: np.ndarray

    def triangles(self) -> np.ndarray:
        """(F, 3, 3) corner coordinates."""
        return self.vertices[self.faces]

    def normals(self) -> np.ndarray:
        """Unit outward normals (F, 3)."""
        t = self.triangles()
        n = np.cross(t[:, 1] - t[:, 0], t[:, 2] - t[:, 0])
        return n / np.linalg.norm(n, axis=1, keepdims=True)

    def volume(self) -> float:
        """Divergence theorem: Σ v0 · (v1 × v2) / 6."""
        t = self.triangles()
        return float(np.sum(np.einsum("ij,ij->i", t[:, 0], np.cross(t[:, 1], t[:, 2]))) / 6.0)

    def area(self) -> float:
        t = self.triangles()
        return float(0.5 * np.sum(np.linalg.norm(np.cross(t[:, 1] - t[:, 0], t[:, 2] - t[:, 0]), axis=1)))

    def profile_lengths(self) -> tuple[float, float]:
        """Polyline lengths of sheet A's profile (x, Z) and sheet B's profile (x, Y), one octant."""
        x, y, z = self.stations.T
        return float(np.sum(np.hypot(np.diff(x), np.diff(z)))), float(np.sum(np.hypot(np.diff(x), np.diff(y))))

    def check(self, result) -> MeshReport:
        """Topology and geometry checks against a :class:`~kexue.ellipses.GluingResult`."""
        f = self.faces
        directed = np.concatenate([f[:, [0, 1]], f[:, [1, 2]], f[:, [2, 0]]])
        undirected = np.sort(directed, axis=1)
        _, edge_counts = np.unique(undirected, axis=0, return_counts=True)
        _, directed_counts = np.unique(directed, axis=0, return_counts=True)
        watertight = bool(np.all(edge_counts == 2))
        oriented = bool(np.all(directed_counts == 1))
        euler = len(self.vertices) - len(edge_counts) + len(f)
        # the solid is convex and contains (L/2, 0, 0): every outward normal points away from it
        centre = np.array([0.5 * self.stations[-1, 0], 0.0, 0.0])
        away = np.einsum("ij,ij->i", self.triangles().mean(axis=1) - centre, self.normals())
        outward = bool(np.all(away > 0))
        vol, area = self.volume(), self.area()
        prof = self.profile_lengths()
        target = (result.arc_a.semi_axes[0], result.arc_b.semi_axes[0])
        return MeshReport(
            watertight=watertight, consistently_oriented=oriented, outward_normals=outward,
            euler_characteristic=int(euler),
            volume=vol, volume_rel_error=vol / result.volume - 1.0,
            area=area, area_rel_error=area / sum(result.sheet_areas) - 1.0,
            profile_lengths=prof, profile_rel_errors=(prof[0] / target[0] - 1.0, prof[1] / target[1] - 1.0))


def solid_mesh(result, n: int = 400, n_across: int = 3) -> SolidMesh:
    """Mesh the solid of a gluable :class:`~kexue.ellipses.GluingResult`.

    Parameters
    ----------
    n : number of intervals along the solid (stations evenly spaced in arc A's parameter).
    n_across : points across each face (≥ 2; the faces are straight across, so 2 is exact and more
        only refines the triangulation).

    Examples
    --------
    >>> from kexue.ellipses import glue
    >>> m = glue(2, 1).mesh(n=200)
    >>> m.check(glue(2, 1)).watertight
    True
    """
    n = check_positive_int(n, "n", minimum=4)
    n_across = check_positive_int(n_across, "n_across", minimum=2)
    if result.flat:
        raise ValueError("the solid is flat (volume 0), so it has no closed mesh; use a != b")
    edge = result.edge(n + 1)
    x, y, z = edge.x, edge.y.copy(), edge.z.copy()
    y[0], z[-1] = 0.0, 0.0  # the solid ends in segments on the axes
    v = np.linspace(-1.0, 1.0, n_across)
    ones = np.ones_like(v)
    X = np.outer(x, ones)
    # (points grid, flip?) per face: flips make every triangle counter-clockwise seen from outside
    faces_def = [
        (np.stack([X, np.outer(y, v), np.outer(z, ones)], axis=-1), False, 0),    # top    z = +Z
        (np.stack([X, np.outer(y, v), -np.outer(z, ones)], axis=-1), True, 0),    # bottom z = -Z
        (np.stack([X, np.outer(y, ones), np.outer(z, v)], axis=-1), True, 1),     # side   y = +Y
        (np.stack([X, -np.outer(y, ones), np.outer(z, v)], axis=-1), False, 1),   # side   y = -Y
    ]
    rows, cols = n + 1, n_across
    i, j = np.meshgrid(np.arange(rows - 1), np.arange(cols - 1), indexing="ij")
    k = (i * cols + j).ravel()
    quad = np.concatenate([np.stack([k, k + cols, k + cols + 1], 1), np.stack([k, k + cols + 1, k + 1], 1)])
    points, tris, sheets = [], [], []
    for offset, (grid, flip, sheet) in enumerate(faces_def):
        points.append(grid.reshape(-1, 3))
        t = quad + offset * rows * cols
        tris.append(t[:, ::-1] if flip else t)
        sheets.append(np.full(len(t), sheet))
    # + 0.0 turns -0.0 into 0.0 so mirrored copies of on-axis points merge
    allpts = np.concatenate(points) + 0.0
    vertices, inverse = np.unique(allpts, axis=0, return_inverse=True)
    faces = inverse.ravel()[np.concatenate(tris)]
    sheet = np.concatenate(sheets)
    keep = (faces[:, 0] != faces[:, 1]) & (faces[:, 1] != faces[:, 2]) & (faces[:, 0] != faces[:, 2])
    return SolidMesh(vertices=vertices, faces=faces[keep], sheet=sheet[keep],
                     stations=np.column_stack([x, y, z]))


# --- files -------------------------------------------------------------------------------------------

_STL_RECORD = np.dtype([("normal", "<f4", 3), ("corners", "<f4", (3, 3)), ("attr", "<u2")])


def write_stl(mesh: SolidMesh, path, name: str = "kexue glued ellipses") -> Path:
    """Binary STL: 80-byte header, triangle count, then (normal, 3 corners, 0) per triangle."""
    path = Path(path)
    rec = np.zeros(len(mesh.faces), dtype=_STL_RECORD)
    rec["normal"] = mesh.normals()
    rec["corners"] = mesh.triangles()
    with open(path, "wb") as fh:
        fh.write(name.encode("ascii", "replace")[:80].ljust(80, b" "))
        fh.write(struct.pack("<I", len(rec)))
        fh.write(rec.tobytes())
    return path


def read_stl(path) -> tuple[np.ndarray, np.ndarray]:
    """Read a binary STL written by :func:`write_stl`: (normals (F, 3), triangles (F, 3, 3))."""
    data = Path(path).read_bytes()
    if len(data) < 84:
        raise ValueError(f"{path}: too short for a binary STL file")
    (count,) = struct.unpack("<I", data[80:84])
    if len(data) != 84 + count * _STL_RECORD.itemsize:
        raise ValueError(f"{path}: size does not match its triangle count {count}")
    rec = np.frombuffer(data, dtype=_STL_RECORD, offset=84, count=count)
    return rec["normal"].astype(float), rec["corners"].astype(float)


def write_obj(mesh: SolidMesh, path) -> Path:
    """Wavefront OBJ with two groups, sheet_A (top/bottom) and sheet_B (sides); 1-based indices."""
    path = Path(path)
    lines = ["# glued elliptical sheets (kexue.ellipses)"]
    lines += [f"v {x:.12g} {y:.12g} {z:.12g}" for x, y, z in mesh.vertices]
    for sheet, label in ((0, "sheet_A"), (1, "sheet_B")):
        lines.append(f"g {label}")
        lines += [f"f {a + 1} {b + 1} {c + 1}" for a, b, c in mesh.faces[mesh.sheet == sheet]]
    path.write_text("\n".join(lines) + "\n")
    return path


def read_obj(path) -> tuple[np.ndarray, np.ndarray]:
    """Read vertices and triangular faces (0-based) from an OBJ file."""
    verts, faces = [], []
    for line in Path(path).read_text().splitlines():
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "v":
            verts.append([float(p) for p in parts[1:4]])
        elif parts[0] == "f":
            faces.append([int(p.split("/")[0]) - 1 for p in parts[1:4]])
    return np.array(verts), np.array(faces, dtype=int)
