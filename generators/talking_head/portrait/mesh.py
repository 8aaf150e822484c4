"""A triangulated landmark mesh with anchors, its dense displacement field, and the inverse
map for one remap per frame.

Vertices: the face landmarks (the iris centres, not the iris rims, which lie under the
lids), two rings of anchors around the face oval (one on the head: hair, ears; one well
outside it, held still) and points along the frame's border (held still). The triangles are
a Delaunay triangulation of the face with the mouth and eyes opened, so no triangle spans
the lips or the lids. Every pixel of the region the warp can reach is expressed once, as
its triangle's three vertices and barycentric weights, so a frame's dense field is three
gathers of the vertex offsets (as fast as a sparse product, without importing scipy at
start-up); the backward map is found by Newton steps on that piecewise-linear field.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Final

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
HEAD_RING: Final = 1.3  # the head's anchors: the face oval scaled about its centre
STILL_RING: Final = 2.1  # beyond this the picture never moves
BORDER_STEPS: Final = 8
NEWTON_STEPS: Final = 2


@dataclass(frozen=True)
class Mesh:
    vertices: Array  # (V, 2) rest positions in frame pixels
    triangles: NDArray[np.int64]  # (T, 3)
    roi: tuple[int, int, int, int]  # y0, y1, x0, x1: the only pixels the warp can move
    corners: NDArray[np.int64]  # (3, roi pixels): each pixel's triangle's vertex ids
    weights: NDArray[np.float32]  # (3, roi pixels): its barycentric weights

    @property
    def shape(self) -> tuple[int, int]:
        y0, y1, x0, x1 = self.roi
        return y1 - y0, x1 - x0

    @cached_property
    def grid(self) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        """Pixel coordinates of the roi (x, y), relative to its corner."""
        h, w = self.shape
        gy, gx = np.mgrid[0:h, 0:w].astype(np.float32)
        return gx, gy

    def field(self, offsets: Array) -> NDArray[np.float32]:
        """The dense forward field (roi h, w, 2) in pixels (x, y) for vertex offsets."""
        h, w = self.shape
        out = np.empty((h * w, 2), np.float32)
        for c in range(2):
            o = offsets[:, c].astype(np.float32)
            k, wt = self.corners, self.weights
            out[:, c] = wt[0] * o.take(k[0]) + wt[1] * o.take(k[1]) + wt[2] * o.take(k[2])
        return out.reshape(h, w, 2)

    def backward(self, forward: NDArray[np.float32]) -> tuple[NDArray[np.float32], ...]:
        """Where each roi pixel p of the output comes from: s with s + F(s) = p.

        Start at s = p - F(p), then Newton steps s -= (I + ∇F(s))⁻¹ (s + F(s) - p): exact
        inside a triangle in one step, where a plain fixed-point iteration crawls (or
        oscillates) across the thin triangles of the lips.
        """
        import cv2

        h, w = self.shape
        y0, _, x0, _ = self.roi
        gx, gy = self.grid
        # ∇F by central differences (per channel): dFx/dx, dFx/dy, dFy/dx, dFy/dy.
        grads = np.empty((h, w, 4), np.float32)
        grads[..., 0] = np.gradient(forward[..., 0], axis=1)
        grads[..., 1] = np.gradient(forward[..., 0], axis=0)
        grads[..., 2] = np.gradient(forward[..., 1], axis=1)
        grads[..., 3] = np.gradient(forward[..., 1], axis=0)
        sx = gx - forward[..., 0]
        sy = gy - forward[..., 1]
        for _ in range(NEWTON_STEPS):
            f = cv2.remap(forward, sx, sy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
            g = cv2.remap(grads, sx, sy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
            rx = sx + f[..., 0] - gx
            ry = sy + f[..., 1] - gy
            a, b, c, d = 1.0 + g[..., 0], g[..., 1], g[..., 2], 1.0 + g[..., 3]
            det = a * d - b * c
            det = np.where(np.abs(det) < 0.2, np.copysign(0.2, det), det)
            sx = sx - (d * rx - b * ry) / det
            sy = sy - (a * ry - c * rx) / det
        return (sx + np.float32(x0)).astype(np.float32), (sy + np.float32(y0)).astype(np.float32)


def _ring(oval: Array, centre: Array, scale: float, size: int) -> Array:
    pts = centre + (oval - centre) * scale
    return np.clip(pts, 0.0, size - 1.0)


def delaunay(points: Array) -> NDArray[np.int64]:
    """Delaunay triangles (T, 3) of ``points`` as vertex ids, by OpenCV's Subdiv2D: the
    warp needs OpenCV anyway, and scipy.spatial would add ~0.3 s to every command's
    start-up. Subdiv2D keeps float32 coordinates and leaves out triangles that touch its
    virtual outer vertices; a point on top of an earlier one is merged into it."""
    import cv2

    pts = points.astype(np.float32)
    lo = np.floor(pts.min(axis=0)) - 8
    hi = np.ceil(pts.max(axis=0)) + 8
    subdiv = cv2.Subdiv2D((int(lo[0]), int(lo[1]), int(hi[0] - lo[0]), int(hi[1] - lo[1])))
    subdiv.insert([(float(x), float(y)) for x, y in pts])
    index: dict[tuple[float, float], int] = {}
    for i, (x, y) in enumerate(pts.tolist()):
        index.setdefault((x, y), i)
    corners = np.asarray(subdiv.getTriangleList(), np.float32).reshape(-1, 3, 2)
    out = [[index.get((float(x), float(y)), -1) for x, y in tri.tolist()] for tri in corners]
    tris = np.array(out, np.int64).reshape(-1, 3)
    return tris[(tris >= 0).all(axis=1)]


def build(
    points: Array, opened: Array, oval: list[int], skip: set[int], size: int
) -> tuple[Mesh, NDArray[np.int64], NDArray[np.int64]]:
    """The mesh for landmarks ``points`` (rest) triangulated on ``opened`` (the same face
    with the mouth and eyes open). Returns the mesh and the vertex ids of the head ring
    and of the still anchors (every landmark not in ``skip`` comes first, in order)."""
    keep = np.array([i for i in range(len(points)) if i not in skip])
    face_rest = points[keep, :2]
    face_open = opened[keep, :2]
    oval_pts = points[oval, :2]
    centre = oval_pts.mean(axis=0)
    head = _ring(oval_pts, centre, HEAD_RING, size)
    still = _ring(oval_pts, centre, STILL_RING, size)
    t = np.linspace(0.0, size - 1.0, BORDER_STEPS + 1)
    edge = np.concatenate(
        [
            np.stack([t, np.zeros_like(t)], 1),
            np.stack([t, np.full_like(t, size - 1.0)], 1),
            np.stack([np.zeros_like(t[1:-1]), t[1:-1]], 1),
            np.stack([np.full_like(t[1:-1], size - 1.0), t[1:-1]], 1),
        ]
    )
    anchors = np.concatenate([head, still, edge])
    # Anchors that land on top of another vertex (clipped to the border) are dropped.
    keep_anchor = np.ones(len(anchors), bool)
    for i in range(len(anchors)):
        near = np.linalg.norm(anchors[:i][keep_anchor[:i]] - anchors[i], axis=1)
        if len(near) and near.min() < 2.0:
            keep_anchor[i] = False
    kind = np.repeat([0, 1, 2], [len(head), len(still), len(edge)])[keep_anchor]
    anchors = anchors[keep_anchor]
    head_ids = len(keep) + np.flatnonzero(kind == 0)
    still_ids = len(keep) + np.flatnonzero(kind == 1)
    rest = np.concatenate([face_rest, anchors])
    triangles = delaunay(np.concatenate([face_open, anchors]))
    # The region the warp can move: the still ring's box.
    ring = rest[still_ids] if len(still_ids) else rest
    x0, y0 = np.floor(ring.min(axis=0)).astype(int)
    x1, y1 = np.ceil(ring.max(axis=0)).astype(int) + 1
    x0, y0 = max(0, x0), max(0, y0)
    x1, y1 = min(size, x1), min(size, y1)
    corners, weights = _barycentric(rest, triangles, (y0, y1, x0, x1))
    mesh = Mesh(rest, triangles, (y0, y1, x0, x1), corners, weights)
    return mesh, head_ids, still_ids


def _barycentric(
    rest: Array, triangles: NDArray[np.int64], roi: tuple[int, int, int, int]
) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
    """Each roi pixel's rest triangle (its vertex ids, (3, pixels)) and barycentric
    weights in it (3, pixels).

    Done once per portrait, not per frame: every triangle tests the pixels of its bounding
    box (a Delaunay point location on the rest positions would not keep the opened
    topology), all (triangle, pixel) pairs at once. Where triangles touch or, around the
    closed lips and lids, overlap, a pixel goes to the one it is deepest inside."""
    y0, y1, x0, x1 = roi
    w = x1 - x0
    a, b, c = (rest[triangles[:, k]] for k in range(3))
    # Each triangle's affine map pixel → (l1, l2); l0 = 1 - l1 - l2.
    m = np.stack([b - a, c - a], axis=2)  # (T, 2, 2), columns b-a, c-a
    det = m[:, 0, 0] * m[:, 1, 1] - m[:, 0, 1] * m[:, 1, 0]
    ok = np.abs(det) > 1e-9
    inv = np.zeros_like(m)
    inv[ok, 0, 0] = m[ok, 1, 1] / det[ok]
    inv[ok, 0, 1] = -m[ok, 0, 1] / det[ok]
    inv[ok, 1, 0] = -m[ok, 1, 0] / det[ok]
    inv[ok, 1, 1] = m[ok, 0, 0] / det[ok]
    lo = np.minimum(np.minimum(a, b), c) - 0.5
    hi = np.maximum(np.maximum(a, b), c) + 0.5
    bx0 = np.maximum(x0, np.floor(lo[:, 0]).astype(np.int64))
    by0 = np.maximum(y0, np.floor(lo[:, 1]).astype(np.int64))
    bx1 = np.minimum(x1, np.ceil(hi[:, 0]).astype(np.int64) + 1)
    by1 = np.minimum(y1, np.ceil(hi[:, 1]).astype(np.int64) + 1)
    bw, bh = np.maximum(bx1 - bx0, 0), np.maximum(by1 - by0, 0)
    count = np.where(ok, bw * bh, 0)
    # Every (triangle, pixel of its box) pair, flattened.
    tri = np.repeat(np.arange(len(triangles)), count)
    k = np.arange(len(tri)) - np.repeat(np.cumsum(count) - count, count)
    px = bx0[tri] + k % bw[tri]
    py = by0[tri] + k // bw[tri]
    rel = np.stack([px, py], axis=1).astype(np.float64) - a[tri]
    l12 = np.einsum("nij,nj->ni", inv[tri], rel)
    lam = np.concatenate([1.0 - l12.sum(axis=1, keepdims=True), l12], axis=1)
    worst = lam.min(axis=1)
    pix = (py - y0) * w + (px - x0)
    # Per pixel, the pair it is deepest in (the first triangle on a tie).
    order = np.lexsort((-tri, worst, pix))
    last = np.ones(len(order), bool)
    last[:-1] = pix[order][1:] != pix[order][:-1]
    pick = order[last]
    n = (y1 - y0) * w
    weights = np.zeros((n, 3))
    owner = np.zeros(n, np.int64)
    weights[pix[pick]] = np.clip(lam[pick], 0.0, None)
    owner[pix[pick]] = tri[pick]
    # A pixel just outside every triangle (rounding at shared edges) takes its nearest.
    weights /= np.maximum(weights.sum(axis=1, keepdims=True), 1e-12)
    corners = np.ascontiguousarray(triangles[owner].T)
    return corners, np.ascontiguousarray(weights.T, dtype=np.float32)
