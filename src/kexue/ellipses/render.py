"""Rendering of the glued solid with matplotlib 3-D (``add_subplot(projection="3d")``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

_COLOURS = np.array([[0.27, 0.51, 0.71], [0.95, 0.60, 0.25]])  # sheet A blue, sheet B orange


def render_png(result, path, mesh=None, dpi: int = 100) -> Path:
    """Draw the closed solid from two viewpoints, shaded, with the four glued edges in black."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from mpl_toolkits.mplot3d.art3d import Poly3DCollection

    if mesh is None:
        mesh = result.mesh(n=120, n_across=4)
    tri = mesh.triangles()
    light = np.array([0.3, -0.5, 0.8])
    light /= np.linalg.norm(light)
    shade = 0.45 + 0.55 * np.clip(mesh.normals() @ light, 0.0, 1.0)
    colours = np.clip(_COLOURS[mesh.sheet] * shade[:, None], 0, 1)
    x, y, z = mesh.stations.T
    length = x[-1]
    half = max(np.max(y), np.max(z))
    # the solid is convex: drawing only the faces that look at the camera (orthographic view)
    # removes every depth-sorting artefact of matplotlib's painter's algorithm
    dxdy = np.gradient(y, x, edge_order=1)
    dxdz = np.gradient(z, x, edge_order=1)
    fig = plt.figure(figsize=(10, 4.6))
    for i, (elev, azim) in enumerate(((22, -58), (18, 32))):
        eye = np.array([np.cos(np.radians(elev)) * np.cos(np.radians(azim)),
                        np.cos(np.radians(elev)) * np.sin(np.radians(azim)), np.sin(np.radians(elev))])
        front = mesh.normals() @ eye > 0
        ax = fig.add_subplot(1, 2, i + 1, projection="3d")
        ax.set_proj_type("ortho")
        ax.add_collection3d(Poly3DCollection(tri[front], facecolors=colours[front], edgecolors=colours[front], linewidths=0.3))
        for sy in (-1, 1):
            for sz in (-1, 1):
                # an edge shows when one of the two faces meeting there faces the camera
                top = -sz * dxdz * eye[0] + sz * eye[2] > 0
                side = -sy * dxdy * eye[0] + sy * eye[1] > 0
                ax.plot(np.where(top | side, x, np.nan), sy * y, sz * z, color="black", lw=0.8)
        ax.set_xlim(0, length)
        ax.set_ylim(-half, half)
        ax.set_zlim(-half, half)
        ax.set_box_aspect((length, 2 * half, 2 * half))
        ax.view_init(elev=elev, azim=azim)
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        ax.set_zlabel("z")
        ax.tick_params(labelsize=7)
    fig.suptitle(f"two sheets glued: length {result.length:.6f}, volume {result.volume:.6f}  "
                 "(blue: sheet A, top/bottom; orange: sheet B, sides)", fontsize=10)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path
