"""Warp kernels: one launch ray-casts every pixel of every frame against analytic primitives and
writes all passes at once (RGB, z-depth, class id, instance id, camera-space normal).

Primitives are boxes, cylinders and spheres stored as a centre, a velocity and the matrix ``M = S⁻¹ Rᵀ``
that maps world offsets into the unit shape; the ray parameter is unchanged by that affine map, so one
intersection routine per unit shape serves every size and orientation. Camera rays walk their screen tile's
list and shadow rays their light-space cell's (``worldmill.render.tiles``); the kernel moves primitives to
their position at the frame's time.

Defined at import (Warp compiles lazily, on first launch, into its kernel cache); nothing runs here.
"""

from __future__ import annotations

import warp as wp

wp.set_module_options({"enable_backward": False})

SHAPE_BOX = wp.constant(0)
SHAPE_CYLINDER = wp.constant(1)
SHAPE_SPHERE = wp.constant(2)
SHAPE_MESH = wp.constant(3)  # a triangle mesh normalised into the unit box; see Meshes

PATTERN_IDS = {
    "plain": 0,
    "facade": 1,
    "road": 2,
    "grass": 3,
    "water": 4,
    "tiles": 5,
    "glass": 6,
    "artwork": 7,
    "foliage": 8,
    "stripes": 9,
    "wainscot": 10,
    "skirting": 11,
    "pane": 12,
    "curtain": 13,
}

EPS = wp.constant(1.0e-3)
MACRO_M = wp.constant(9.0)  # metres the weathering layer of every material spans
CIRRUS = wp.constant(0.3)  # opacity of the thickest cirrus streaks
LAMP_REACH2 = wp.constant(400.0)  # squared metres: a lamp's light fades to nothing 20 m away
CONTACT_M = wp.constant(1.1)  # metres over which a room's corners and junctions darken (analytic occlusion)
CONTACT_DEPTH = wp.constant(0.5)  # how dark a junction gets (share of the indirect light it loses)
FAR = wp.constant(1.0e7)
MESH_BOX = wp.constant(1.01)  # every pose of a library mesh lies in the unit box (library.unit_poses); a margin
THIN_PANE_M = wp.constant(0.1)  # a water-pattern box thinner than this (half extent, metres) is a pane with water behind it
WATER_BEHIND_PANE_M = wp.constant(2.5)  # ... this deep, down to the rockwork (the tank view fades with distance)


@wp.struct
class Lighting:
    sun_dir: wp.vec3  # unit vector towards the key light (sun, moon or the indoor key)
    sun_color: wp.vec3
    ambient_sky: wp.vec3
    ambient_ground: wp.vec3
    sky_zenith: wp.vec3
    sky_horizon: wp.vec3
    fog_color: wp.vec3
    fog_density: float
    cloud_cover: float
    rain: float
    snow: float
    night: int
    indoor: int
    sun_disc: float  # 0 hides the sun disc (overcast, indoors, night)
    shadow_reach: float  # metres: occluders farther along the light ray are ignored; 0: no shadows (diffuse light)
    exposure: float
    grade_gain: wp.vec3
    saturation: float
    contrast: float
    has_ground: int
    ground_class: int
    ground_color: wp.vec3
    ground_pattern: int
    drive_left: int  # 1 where traffic keeps left: lane arrows point the way of the traffic in each lane
    ground_material: int  # the ground plane's tile in the material atlas (-1: smooth)
    lamps: wp.array(dtype=wp.vec3)  # glowing lamp heads that light their surroundings at night outdoors
    lamp_count: int
    lamp_color: wp.vec3  # radiant intensity: irradiance at 1 m
    cloud_tile: int  # the cloud density tile in the material atlas
    room_lo: wp.vec3  # indoors: the room's inner box (floor top to ceiling), whose junctions darken
    room_hi: wp.vec3
    panel_origin: wp.vec3  # indoors: the first ceiling light of the room's regular grid
    panel_step: wp.vec3  # metres between ceiling lights along x and y
    panels_x: int  # lights along x (0: no grid, nothing lit by ceiling lights)
    panels_y: int
    panel_color: wp.vec3  # radiant intensity of one ceiling light straight down
    rock_tile: int  # material atlas tiles a tank's interior shows: rockwork and its sand floor
    sand_tile: int


@wp.struct
class Primitives:
    centers: wp.array(dtype=wp.vec3)  # at t = 0
    velocities: wp.array(dtype=wp.vec3)
    mats: wp.array(dtype=wp.mat33)  # S^-1 R^T: world offset -> unit shape
    halves: wp.array(dtype=wp.vec3)
    shapes: wp.array(dtype=wp.int32)
    class_ids: wp.array(dtype=wp.int32)
    instance_ids: wp.array(dtype=wp.int32)
    colors: wp.array(dtype=wp.vec3)
    patterns: wp.array(dtype=wp.int32)
    emissive: wp.array(dtype=wp.float32)
    shadow: wp.array(dtype=wp.int32)
    materials: wp.array(dtype=wp.int32)  # tile in the material atlas (-1: smooth albedo)


@wp.struct
class Meshes:
    """Triangle meshes of the library, posed: each is normalised into its primitive's unit box [-1, 1]^3.

    Per primitive: ``first`` is the mesh of its first pose (-1 for analytic shapes) and an animated one
    shows pose ``(first + floor(time * pose_rate + pose_phase) % poses)`` at each frame. Per mesh: the Warp
    BVH handle and where its triangles and vertices start in the shared arrays of baked colours and normals.
    """

    first: wp.array(dtype=wp.int32)
    poses: wp.array(dtype=wp.int32)
    pose_rate: wp.array(dtype=wp.float32)  # poses per second
    pose_phase: wp.array(dtype=wp.float32)
    ids: wp.array(dtype=wp.uint64)
    face_base: wp.array(dtype=wp.int32)
    vert_base: wp.array(dtype=wp.int32)
    faces: wp.array(dtype=wp.int32)  # 3 vertex indices per triangle, local to the mesh
    colors: wp.array(dtype=wp.vec3)  # linear albedo per vertex
    normals: wp.array(dtype=wp.vec3)  # unit-box frame, per vertex


@wp.struct
class Tiles:
    offsets: wp.array(dtype=wp.int32)  # CSR rows: (frame, tile_y, tile_x)
    prims: wp.array(dtype=wp.int32)
    near: wp.array(dtype=wp.float32)  # sorted ascending within each row
    origins: wp.array(dtype=wp.vec3)  # the camera in the entry's unit-shape frame
    tiles_x: int
    tiles_y: int
    size: int


@wp.struct
class ShadowGrid:
    offsets: wp.array(dtype=wp.int32)  # CSR rows: cells (row-major), then one row of wide casters
    prims: wp.array(dtype=wp.int32)
    s_max: wp.array(dtype=wp.float32)  # extent towards the light, descending within each row
    s_min: wp.array(dtype=wp.float32)
    z_max: wp.array(dtype=wp.float32)  # top of the caster's box
    axis_u: wp.vec3
    axis_v: wp.vec3
    origin_u: float
    origin_v: float
    inv_cell: float
    cells_x: int
    cells_y: int


@wp.struct
class Atlas:
    """A mip-mapped uint8 RGB texture atlas, levels stacked by rows: the clip's sign faces drawn with real fonts
    (``worldmill.render.atlas``, one rectangle per primitive) or the material tiles (``worldmill.render.materials``,
    one tileable rectangle per material)."""

    texels: wp.array2d(dtype=wp.uint32)  # [rows, width]: R | G << 8 | B << 16 (one load a texel)
    level_rows: wp.array(dtype=wp.int32)
    levels: int
    rects: wp.array(dtype=wp.vec4)  # x0, y0, width, height at level 0; width 0: nothing
    sides: wp.array(dtype=wp.int32)  # signs: 2 when the back face shows the sign too (hung signs)
    metres: wp.array(dtype=wp.float32)  # materials: metres one tile spans on the surface
    weathering: wp.array(dtype=wp.float32)  # materials: depth of the weathering layer


@wp.struct
class Camera:
    fx: float
    fy: float
    cx: float
    cy: float


@wp.func
def hash3(a: float, b: float, c: float) -> float:
    """A uniform value in [0, 1) from three lattice coordinates (integer mixing: cheaper than sin hashes)."""
    h = (
        wp.uint32(int(a)) * wp.uint32(73856093)
        ^ wp.uint32(int(b)) * wp.uint32(19349663)
        ^ wp.uint32(int(c)) * wp.uint32(83492791)
    )
    h = (h ^ (h >> wp.uint32(16))) * wp.uint32(0x45D9F3B)
    h = (h ^ (h >> wp.uint32(16))) * wp.uint32(0x45D9F3B)
    h = h ^ (h >> wp.uint32(16))
    return float(h & wp.uint32(0xFFFFFF)) / 16777216.0


@wp.func
def value_noise(x: float, y: float) -> float:
    ix = wp.floor(x)
    iy = wp.floor(y)
    fx = x - ix
    fy = y - iy
    ux = fx * fx * (3.0 - 2.0 * fx)
    uy = fy * fy * (3.0 - 2.0 * fy)
    a = hash3(ix, iy, 0.0)
    b = hash3(ix + 1.0, iy, 0.0)
    c = hash3(ix, iy + 1.0, 0.0)
    d = hash3(ix + 1.0, iy + 1.0, 0.0)
    return wp.lerp(wp.lerp(a, b, ux), wp.lerp(c, d, ux), uy)


@wp.func
def intersect_unit(shape: int, o: wp.vec3, d: wp.vec3) -> float:
    """Entry distance of the ray o + t d into the unit shape, or -1 (misses and rays starting inside)."""
    if shape == SHAPE_SPHERE:
        a = wp.dot(d, d)
        b = wp.dot(o, d)
        c = wp.dot(o, o) - 1.0
        disc = b * b - a * c
        if disc < 0.0 or c < 0.0:
            return -1.0
        t0 = (-b - wp.sqrt(disc)) / a
        if t0 > EPS:
            return t0
        return -1.0
    tmin = float(-FAR)
    tmax = float(FAR)
    if shape == SHAPE_CYLINDER:
        a = d[0] * d[0] + d[1] * d[1]
        b = o[0] * d[0] + o[1] * d[1]
        c = o[0] * o[0] + o[1] * o[1] - 1.0
        if a < 1.0e-12:
            if c > 0.0:
                return -1.0
        else:
            disc = b * b - a * c
            if disc < 0.0:
                return -1.0
            s = wp.sqrt(disc)
            tmin = (-b - s) / a
            tmax = (-b + s) / a
    for k in range(3):  # a constant range, which Warp unrolls; a cylinder's round side stands in for its x and y slabs
        if k == 2 or shape != SHAPE_CYLINDER:
            dk = d[k]
            ok = o[k]
            if wp.abs(dk) < 1.0e-12:
                if ok < -1.0 or ok > 1.0:
                    return -1.0
            else:
                inv = 1.0 / dk
                t1 = (-1.0 - ok) * inv
                t2 = (1.0 - ok) * inv
                tmin = wp.max(tmin, wp.min(t1, t2))
                tmax = wp.min(tmax, wp.max(t1, t2))
    if tmax < tmin or tmin <= EPS:
        return -1.0
    return tmin


@wp.func
def unit_normal(shape: int, p: wp.vec3) -> wp.vec3:
    if shape == SHAPE_SPHERE:
        return p
    if shape == SHAPE_CYLINDER:
        if wp.abs(p[2]) > 0.999:
            return wp.vec3(0.0, 0.0, wp.sign(p[2]))
        return wp.vec3(p[0], p[1], 0.0)
    ax = wp.abs(p[0])
    ay = wp.abs(p[1])
    az = wp.abs(p[2])
    if ax >= ay and ax >= az:
        return wp.vec3(wp.sign(p[0]), 0.0, 0.0)
    if ay >= az:
        return wp.vec3(0.0, wp.sign(p[1]), 0.0)
    return wp.vec3(0.0, 0.0, wp.sign(p[2]))


@wp.func
def mesh_of(meshes: Meshes, i: int, time: float) -> int:
    """The mesh primitive ``i`` shows at ``time``: its pose of the walk cycle or turn."""
    k = meshes.first[i]
    n = meshes.poses[i]
    if n > 1:
        k = k + int(wp.floor(time * meshes.pose_rate[i] + meshes.pose_phase[i])) % n
    return k


@wp.func
def crosses_unit_box(o: wp.vec3, d: wp.vec3, t_max: float) -> int:
    """1 if the ray o + t d passes through the unit box (a hair larger) for some t in [0, t_max], else 0: Warp's
    BVH query starts below its root's bounds, so a ray that misses a mesh's box would still walk its top nodes."""
    tmin = float(0.0)  # noqa: UP018
    tmax = t_max
    for k in range(3):
        dk = d[k]
        ok = o[k]
        if wp.abs(dk) < 1.0e-12:
            if wp.abs(ok) > MESH_BOX:
                return 0
        else:
            inv = 1.0 / dk
            t1 = (-MESH_BOX - ok) * inv
            t2 = (MESH_BOX - ok) * inv
            tmin = wp.max(tmin, wp.min(t1, t2))
            tmax = wp.min(tmax, wp.max(t1, t2))
    if tmax < tmin:
        return 0
    return 1


@wp.func
def intersect_mesh(meshes: Meshes, k: int, o: wp.vec3, d: wp.vec3, t_max: float):
    """(t, face, u, v) of the ray o + t d against mesh ``k`` in its unit-box frame; t = -1 on a miss."""
    if crosses_unit_box(o, d, t_max) == 0:
        return -1.0, int(-1), 0.0, 0.0  # noqa: UP018, RUF046
    q = wp.mesh_query_ray(meshes.ids[k], o, d, t_max)
    if q.result and q.t > EPS:
        return q.t, q.face, q.u, q.v
    return -1.0, int(-1), 0.0, 0.0  # noqa: UP018, RUF046 - Warp: the face index must be typed int


@wp.func
def mesh_surface(meshes: Meshes, k: int, face: int, u: float, v: float):
    """Baked albedo and the interpolated unit-box normal at barycentric (u, v) of ``face``."""
    fb = (meshes.face_base[k] + face) * 3
    vb = meshes.vert_base[k]
    i0 = vb + meshes.faces[fb]
    i1 = vb + meshes.faces[fb + 1]
    i2 = vb + meshes.faces[fb + 2]
    w = 1.0 - u - v
    col = meshes.colors[i0] * u + meshes.colors[i1] * v + meshes.colors[i2] * w
    nrm = meshes.normals[i0] * u + meshes.normals[i1] * v + meshes.normals[i2] * w
    return col, nrm


@wp.func
def hit_shape(prims: Primitives, meshes: Meshes, i: int, o: wp.vec3, d: wp.vec3, time: float, t_max: float) -> float:
    """Entry distance into primitive ``i`` of the ray o + t d given in its unit frame, or -1."""
    shape = prims.shapes[i]
    if shape == SHAPE_MESH:
        t, _face, _u, _v = intersect_mesh(meshes, mesh_of(meshes, i, time), o, d, t_max)
        return t
    return intersect_unit(shape, o, d)


@wp.func
def unpack_texel(t: wp.uint32) -> wp.vec3:
    return wp.vec3(
        float(t & wp.uint32(255)),
        float((t >> wp.uint32(8)) & wp.uint32(255)),
        float((t >> wp.uint32(16)) & wp.uint32(255)),
    )


@wp.func
def atlas_bilinear(atlas: Atlas, level: int, rect: wp.vec4, u: float, v: float, wrap: int) -> wp.vec3:
    """Bilinear sample at (u, v) in 0..1 of ``rect`` on mip ``level`` (0..1 per texel channel): clamped inside
    the rectangle (signs) or repeating across its edges (``wrap`` 1: tileable material tiles)."""
    scale = 1.0 / float(1 << level)
    x0 = rect[0] * scale
    y0 = rect[1] * scale
    w = rect[2] * scale
    h = rect[3] * scale
    fx = u * w - 0.5
    fy = v * h - 0.5
    if wrap == 1:
        fx = fx - w * wp.floor(fx / w)
        fy = fy - h * wp.floor(fy / h)
    else:
        fx = wp.clamp(fx, 0.0, w - 1.0)
        fy = wp.clamp(fy, 0.0, h - 1.0)
    ix = wp.floor(fx)
    iy = wp.floor(fy)
    tx = fx - ix
    ty = fy - iy
    xa = int(ix)
    ya = int(iy)
    xb = xa + 1
    yb = ya + 1
    if wrap == 1:  # (fx, fy) already lie in [0, w) x [0, h): only the far neighbour wraps
        if xb >= int(w):
            xb = 0
        if yb >= int(h):
            yb = 0
    else:
        xb = wp.min(xb, int(w) - 1)
        yb = wp.min(yb, int(h) - 1)
    xo = int(x0)
    ra = atlas.level_rows[level] + int(y0) + ya
    rb = ra - ya + yb
    texels = atlas.texels
    top = wp.lerp(unpack_texel(texels[ra, xo + xa]), unpack_texel(texels[ra, xo + xb]), tx)
    bottom = wp.lerp(unpack_texel(texels[rb, xo + xa]), unpack_texel(texels[rb, xo + xb]), tx)
    return wp.lerp(top, bottom, ty) * (1.0 / 255.0)


@wp.func
def atlas_trilinear(atlas: Atlas, rect: wp.vec4, u: float, v: float, lod: float, wrap: int) -> wp.vec3:
    """Trilinear sample around ``lod`` (log2 of texels per pixel), blending the two mip levels only in the middle
    half of the step between them (one bilinear sample elsewhere: half the texel reads, no visible seam)."""
    lod = wp.clamp(lod, 0.0, float(atlas.levels - 1))
    l0 = int(wp.floor(lod))
    l1 = wp.min(l0 + 1, atlas.levels - 1)
    w = wp.clamp((lod - float(l0)) * 2.0 - 0.5, 0.0, 1.0)
    if w <= 0.0 or l1 == l0:
        return atlas_bilinear(atlas, l0, rect, u, v, wrap)
    if w >= 1.0:
        return atlas_bilinear(atlas, l1, rect, u, v, wrap)
    return wp.lerp(atlas_bilinear(atlas, l0, rect, u, v, wrap), atlas_bilinear(atlas, l1, rect, u, v, wrap), w)


@wp.func
def material_factor(atlas: Atlas, mat: int, u: float, v: float, footprint: float) -> wp.vec3:
    """The RGB factor of material tile ``mat`` at surface coordinates (u, v) in metres, filtered to the pixel's
    footprint (m): a tile's mean is 1, so far surfaces keep their colour."""
    tile_m = atlas.metres[mat]
    rect = atlas.rects[mat]
    lod = wp.log2(wp.max(footprint * rect[2] / tile_m, 1.0)) - 0.5  # a little sharper than the box filter
    return atlas_trilinear(atlas, rect, u / tile_m, v / tile_m, lod, 1) * 2.0


@wp.func
def surface_uv(shape: int, p: wp.vec3, n: wp.vec3, local: wp.vec3, half: wp.vec3, axis_x: wp.vec3) -> wp.vec2:
    """World-planar texture coordinates (m) of the surface point ``p`` with normal ``n``: walls run along their
    horizontal tangent and up, floors and roofs along the object's x axis, so textures are continuous across
    primitives and upright on walls; curved sides unroll around their axis."""
    if shape == SHAPE_CYLINDER and wp.abs(local[2]) < 0.999:
        return wp.vec2(wp.atan2(local[1], local[0]) * half[0], p[2])
    if shape == SHAPE_SPHERE:
        return wp.vec2(wp.atan2(local[1], local[0]) * half[0], wp.asin(wp.clamp(local[2], -1.0, 1.0)) * half[2])
    if wp.abs(n[2]) > 0.9:
        return wp.vec2(wp.dot(p, axis_x), axis_x[0] * p[1] - axis_x[1] * p[0])
    t = wp.normalize(wp.vec3(-n[1], n[0], 0.0))  # up x n
    b = wp.cross(n, t)
    return wp.vec2(wp.dot(p, t), wp.dot(p, b))


@wp.func
def sky_color(rd: wp.vec3, light: Lighting, time: float, tiles: Atlas, pixel: float) -> wp.vec3:
    """Sky radiance along ``rd``: zenith-to-horizon gradient, clouds on a plane above the camera (the baked
    density tile at two scales, drifting with the wind, thicker clouds darker underneath), the sun's glow and
    disc. ``pixel`` is the angle one pixel spans (radians), which filters the clouds towards the horizon."""
    e = wp.max(rd[2], 0.0)
    k = 1.0 - e
    col = wp.lerp(light.sky_zenith, light.sky_horizon, k * k * k)
    if light.cloud_cover > 0.0 and rd[2] > 0.01:
        h = rd[2] + 0.12
        u = rd[0] / h * 0.3 + time * 0.004
        v = rd[1] / h * 0.3
        rect = tiles.rects[light.cloud_tile]
        lod = wp.log2(wp.max(pixel * 0.3 / (h * h) * rect[2], 1.0))
        big = atlas_trilinear(tiles, rect, u, v, lod, 1)[0] * 2.0
        small = (
            atlas_bilinear(tiles, wp.min(int(lod + 2.4), tiles.levels - 1), rect, u * 3.7 + 0.31, v * 3.7 + 0.17, 1)[0]
            * 2.0
        )
        dens = 0.72 * big + 0.38 * small
        over = dens - (1.0 - 0.9 * light.cloud_cover)  # the density tile averages ~0.55: cover ~ share of sky
        cover = wp.clamp(over * 4.0, 0.0, 1.0)
        white = light.sky_horizon * 0.9 + light.sun_color * 0.15
        cloud = white * (1.12 - 0.5 * wp.clamp(over * 1.6, 0.0, 1.0))
        # a high, thin cirrus layer: streaks stretched across the wind, faint, on every cloudy or fair sky
        wisp = (
            atlas_bilinear(tiles, wp.min(int(lod + 1.5), tiles.levels - 1), rect, u * 0.45 + 0.5, v * 2.2, 1)[0] * 2.0
        )
        veil = CIRRUS * wp.clamp((wisp - 0.5) * 2.5, 0.0, 1.0)
        fade = wp.min(rd[2] * 10.0, 1.0)
        col = wp.lerp(col, white * 1.05, veil * fade)
        col = wp.lerp(col, cloud, cover * fade)
    if light.sun_disc > 0.0:
        c = wp.max(wp.dot(rd, light.sun_dir), 0.0)
        glow = c * c
        glow = glow * glow
        glow = glow * glow
        glow = glow * glow
        col = col + light.sun_color * (0.25 * glow * light.sun_disc)
        if c > 0.9997:
            col = col + light.sun_color * (6.0 * light.sun_disc)
    return col


@wp.func
def lane_arrow(lat: float, lon: float, hl: float, long_is_x: int, drive_left: int) -> float:
    """1 on a painted lane arrow (every 24 m, in both lanes of a two-lane road), pointing the way traffic
    drives in that lane: on the right of the carriageway where traffic keeps right, on the left otherwise."""
    right = lat  # lateral offset towards the right of travel along +lon
    if long_is_x == 1:
        right = -lat
    if wp.abs(right) < 0.3 or wp.abs(right) > hl - 0.3 or hl < 1.5:
        return 0.0
    forward = float(1.0)  # noqa: UP018 - Warp: a typed declaration makes the variable mutable in branches
    if (right > 0.0) == (drive_left == 1):  # this lane carries traffic towards -lon
        forward = -1.0
    u = wp.abs(right) - hl * 0.5
    v = lon * forward / 24.0
    v = (v - wp.floor(v)) * 24.0
    if v < 3.0 and wp.abs(u) < 0.12:
        return 1.0
    if v >= 3.0 and v < 4.6 and wp.abs(u) < 0.55 * (4.6 - v) / 1.6:
        return 1.0
    return 0.0


@wp.func
def tank_view(
    base: wp.vec3, local: wp.vec3, ldir: wp.vec3, half: wp.vec3, light: Lighting, time: float, fp: float, tiles: Atlas
) -> wp.vec3:
    """What a ray through a tank's glass meets: it runs on inside the tank's box (unit frame, so the parameter
    stays in metres) to the rockwork at the back, the sand floor or the lit surface, with dappled caustics,
    and fades into the water's colour with the distance it travels through it. Behind a thin pane (an acrylic
    tunnel's wall) the water runs on ``WATER_BEHIND_PANE_M``: a ray that left the pane's few centimetres met only
    water colour, and the tunnel filled its frames flat."""
    t_exit = float(FAR)
    for k in range(3):
        if wp.abs(ldir[k]) > 1.0e-9:
            bound = float(1.0)  # noqa: UP018 - Warp: a typed declaration makes the variable mutable in branches
            if half[k] < THIN_PANE_M:
                bound = 1.0 + WATER_BEHIND_PANE_M / half[k]
            t_exit = wp.min(t_exit, (wp.sign(ldir[k]) * bound - local[k]) / ldir[k])
    q = local + ldir * t_exit
    qm = wp.cw_mul(q, half)  # metres from the tank's centre
    up = wp.clamp(q[2] * 0.5 + 0.5, 0.0, 1.0)
    water = base * (0.45 + 0.9 * up * up)  # brighter towards the lit surface, deep blue below
    far_fp = fp * 2.0
    ridge_a = 1.0 - wp.abs(2.0 * value_noise(qm[0] * 1.7 + time * 0.3, qm[1] * 1.7 + qm[2] * 0.8) - 1.0)
    ridge_b = 1.0 - wp.abs(2.0 * value_noise(qm[1] * 2.3 - time * 0.25, qm[0] * 2.3 + 5.0) - 1.0)
    caustic = wp.pow(ridge_a * ridge_b, 3.0)  # the surface's ripples focusing sunlight into a drifting net
    back = water
    if q[2] < -0.999:  # the sand floor
        back = wp.cw_mul(wp.vec3(0.42, 0.44, 0.36), material_factor(tiles, light.sand_tile, qm[0], qm[1], far_fp))
    elif q[2] < 0.999:  # a side: rockwork up to an uneven ridge, the painted blue wall above it
        u = qm[0] + qm[1]
        ridge = 0.35 + 0.3 * value_noise(u * 0.7, 3.0) + 0.12 * value_noise(u * 2.9, 7.0)
        if up < ridge:
            rock = material_factor(tiles, light.rock_tile, u * 0.4, qm[2] * 0.4, far_fp)
            lumps = 0.5 + 0.9 * value_noise(u * 1.4, qm[2] * 1.6 + 11.0)  # boulders: lit tops, shaded hollows
            back = wp.cw_mul(wp.vec3(0.2, 0.26, 0.27), rock) * (lumps * (0.6 + 0.6 * up / ridge))
        else:
            back = water * 0.8
    back = back * (0.8 + 1.2 * caustic * (0.3 + 0.7 * up))
    return wp.lerp(water, back, wp.exp(-t_exit * 0.3))


@wp.func
def surface_albedo(
    pattern: int,
    base: wp.vec3,
    p: wp.vec3,
    n: wp.vec3,
    local: wp.vec3,
    half: wp.vec3,
    inst: int,
    light: Lighting,
    rd: wp.vec3,
    time: float,
    footprint: float,
    tiles: Atlas,
    pixel: float,
    ldir: wp.vec3,
) -> wp.vec4:
    """Albedo (xyz) and extra emission (w; -1: an opaque part of a lit panel, which loses the panel's own
    emission) of a procedural pattern at world point p (drawn over the material's
    texture, which ``base`` already carries): windows, road markings, water and glass reflections, stripes.

    ``footprint`` is the pixel's size on the surface (m); patterns finer than a few pixels fade to their
    average so that distant facades and floors do not alias into flicker.
    """
    col = base
    emit = float(0.0)  # noqa: UP018
    fi = float(inst)
    fine = wp.clamp((footprint - 0.25) / 0.5, 0.0, 1.0)  # 0: 1 m detail resolved, 1: averaged
    if pattern == 1:  # facade: a grid of windows on walls, some lit at night
        if wp.abs(n[2]) < 0.5:
            u = p[0]
            if wp.abs(n[0]) > wp.abs(n[1]):
                u = p[1]
            cu = wp.floor(u / 3.2)
            cv = wp.floor(p[2] / 3.6)
            fu = u / 3.2 - cu
            fv = p[2] / 3.6 - cv
            glass = wp.vec3(0.06, 0.08, 0.11) + wp.lerp(light.sky_horizon, light.sky_zenith, 0.5) * 0.35
            far = wp.clamp((footprint - 0.8) / 1.6, 0.0, 1.0)
            if fu > 0.14 and fu < 0.86 and fv > 0.28 and fv < 0.86 and p[2] > 3.0:
                col = glass
                if light.night == 1 and hash3(cu, cv, fi) > 0.7:
                    col = wp.vec3(1.0, 0.78, 0.45)
                    emit = 0.9 * (1.0 - far)
            col = wp.lerp(col, base * 0.55 + glass * 0.45, far)
            if light.night == 1:
                emit = emit + 0.12 * far
        else:
            col = base * 0.8
    elif pattern == 2:  # road: dashed centre line and edge lines along the long local axis
        lat = local[0] * half[0]
        lon = local[1] * half[1]
        hl = half[0]
        if half[0] > half[1]:
            lat = local[1] * half[1]
            lon = local[0] * half[0]
            hl = half[1]
        alat = wp.abs(lat)
        f = lon / 9.0 - wp.floor(lon / 9.0)
        long_is_x = int(0)  # noqa: UP018, RUF046
        if half[0] > half[1]:
            long_is_x = 1
        if (
            (alat < 0.12 and f < 0.5)
            or (alat > hl - 0.6 and alat < hl - 0.45)
            or (lane_arrow(lat, lon, hl, long_is_x, light.drive_left) > 0.0)
        ):
            col = wp.lerp(wp.vec3(0.75, 0.72, 0.62), col, fine)
    elif pattern == 4 and (
        wp.abs(n[2]) < 0.5 or (wp.abs(n[2]) < 0.95 and wp.min(half[0], wp.min(half[1], half[2])) < THIN_PANE_M)
    ):  # a tank's glass side (or a tunnel's slanting pane): the water volume and what lies inside it
        col = tank_view(base, local, ldir, half, light, time, footprint, tiles)
        col = col + wp.vec3(0.05, 0.06, 0.065) * wp.pow(1.0 - wp.abs(wp.dot(n, rd)), 3.0)  # sheen of the glass
        ax = wp.abs(local[0])
        ay = wp.abs(local[1])
        rim = wp.min(wp.max(ax, ay), wp.max(wp.min(ax, ay), wp.abs(local[2])))  # nearest face edge, 1 at the rim
        if rim > 0.97 and footprint < 0.2:  # the tank's frame
            col = wp.vec3(0.05, 0.055, 0.06)
    elif pattern == 4:  # open water: sky reflection by a Fresnel-like term, slow ripples
        fres = 0.2 + 0.8 * wp.pow(1.0 - wp.abs(rd[2]), 5.0)
        ripple = 0.9 + 0.1 * wp.sin(p[0] * 0.9 + p[1] * 0.4 + time * 1.5)
        refl = wp.vec3(rd[0], rd[1], wp.abs(rd[2]))
        col = wp.lerp(base, sky_color(refl, light, time, tiles, pixel * 4.0), fres) * ripple
    elif pattern == 6:  # glass: tinted, reflecting the sky
        col = base * 0.35 + sky_color(wp.vec3(rd[0], rd[1], wp.abs(rd[2])), light, time, tiles, pixel * 4.0) * 0.3
    elif pattern == 7:  # artwork, signs: colour blocks
        cu = wp.floor((local[0] + local[1]) * 2.5)
        cv = wp.floor(local[2] * 2.5)
        r = hash3(cu, cv, fi)
        g = hash3(cu + 7.0, cv, fi)
        b = hash3(cu, cv + 5.0, fi)
        col = wp.vec3(0.15 + 0.8 * r, 0.15 + 0.7 * g, 0.15 + 0.8 * b) * 0.5 + base * 0.5
    elif (pattern == 10 or pattern == 11) and wp.abs(n[2]) < 0.5:  # a room's wall: skirting, dado or picture rail
        trim = wp.clamp((footprint - 0.02) / 0.05, 0.0, 1.0)  # 0: a 5 cm moulding resolved, 1: averaged away
        z = p[2]
        below_top = (1.0 - local[2]) * half[2]
        if z < 0.12:  # skirting board, its top edge catching the light
            col = wp.lerp(base * (0.42 + 0.4 * wp.max(z - 0.1, 0.0) / 0.02), base * 0.6, trim)
        elif pattern == 10 and z < 1.06:  # the wipeable lower wall under a dado rail (wards, corridors)
            col = wp.cw_mul(base, wp.vec3(0.72, 0.78, 0.8))
            if z > 0.95:  # the rail: a rounded profile, lit on top, shaded beneath
                col = wp.lerp(wp.vec3(0.86, 0.84, 0.8) * (0.55 + 0.6 * (z - 0.95) / 0.11), col * 0.9, trim)
        elif pattern == 11 and below_top > 0.3 and below_top < 0.36:  # picture rail
            col = wp.lerp(base * (0.5 + 0.9 * (0.36 - below_top) / 0.06), base * 0.8, trim)
    elif pattern == 12:  # a glazed opening: frame, mullions, and blinds part-drawn on upright windows
        a = local[0] * half[0]  # metres across the pane, from its centre
        ha = half[0]
        b = local[2] * half[2]
        hb = half[2]
        upright = int(1)  # noqa: UP018, RUF046
        if half[0] <= half[1] and half[0] <= half[2]:
            a = local[1] * half[1]
            ha = half[1]
        elif half[2] <= half[0] and half[2] <= half[1]:  # a skylight: lies flat
            b = local[1] * half[1]
            hb = half[1]
            upright = 0
        panes = wp.max(wp.floor(2.0 * ha / 1.1 + 0.5), 1.0)
        fa = (a + ha) / (2.0 * ha) * panes
        mullion = wp.abs(fa - wp.floor(fa + 0.5)) * 2.0 * ha / panes
        edge = wp.min(ha - wp.abs(a), hb - wp.abs(b))
        trim = wp.clamp((footprint - 0.02) / 0.05, 0.0, 1.0)
        col = base * (0.8 + 0.35 * (b / hb * 0.5 + 0.5))  # brighter sky above the horizon outside
        drawn = (0.15 + 0.6 * hash3(fi, 11.0, 3.0)) * 2.0 * hb
        if upright == 1 and hb - b < drawn:  # venetian blinds: 5 cm slats, each shaded top to bottom
            s = (hb - b) / 0.05
            s = s - wp.floor(s)
            col = wp.lerp(wp.vec3(0.55, 0.56, 0.55) * (0.7 + 0.5 * s), wp.vec3(0.46, 0.47, 0.46), trim)
            if hb - b > drawn - 0.05:  # the bottom rail
                col = wp.vec3(0.3, 0.3, 0.3)
        if (edge < 0.07 or (mullion < 0.03 and wp.abs(wp.abs(a) - ha) > 0.1)) and trim < 1.0:
            col = wp.vec3(0.8, 0.8, 0.78) * (0.8 + 0.2 * hash3(fi, 5.0, 2.0))
            emit = -1.0  # opaque: the frame is not lit from behind
    elif pattern == 13:  # a hung curtain: soft vertical folds, an open mesh band below the rail
        a = local[1] * half[1]
        if half[0] > half[1]:
            a = local[0] * half[0]
        soft = wp.clamp((footprint - 0.015) / 0.04, 0.0, 1.0)
        fold = wp.sin(a * 34.0 + 2.0 * wp.sin(a * 7.0 + fi))  # ~18 cm folds, unevenly gathered
        col = base * (0.86 + 0.16 * fold * (1.0 - soft))
        if (1.0 - local[2]) * half[2] < 0.3:  # the mesh band: lighter, the wall's shade showing through
            col = wp.lerp(col, base * 0.7 + wp.vec3(0.2, 0.2, 0.2), 0.6)
    elif pattern == 9:  # stripes along height
        f = p[2] / 0.5 - wp.floor(p[2] / 0.5)
        if f < 0.5:
            col = base * 0.75
        col = wp.lerp(col, base * 0.875, fine)
    return wp.vec4(col[0], col[1], col[2], emit)


@wp.func
def sign_surface(atlas: Atlas, i: int, local: wp.vec3, half: wp.vec3, footprint: float, surface: wp.vec4) -> wp.vec4:
    """The sign's albedo where a ray meets the front (+y) face of a textured box (and the back of a two-sided
    one), trilinear between mip levels by the pixel's footprint; ``surface`` unchanged elsewhere."""
    if i < 0:
        return surface
    rect = atlas.rects[i]
    if rect[2] <= 0.0:
        return surface
    ay = wp.abs(local[1])
    if ay < wp.abs(local[0]) or ay < wp.abs(local[2]):
        return surface
    u = 0.5 - 0.5 * local[0]  # seen from the front, the board's local -x runs to the viewer's right
    if local[1] < 0.0:
        if atlas.sides[i] < 2:
            return surface
        u = 1.0 - u
    v = 0.5 - 0.5 * local[2]
    texel_m = 2.0 * half[0] / rect[2]
    c = atlas_trilinear(atlas, rect, u, v, wp.log2(wp.max(footprint / texel_m, 1.0)), 0)
    return wp.vec4(c[0] * c[0], c[1] * c[1], c[2] * c[2], surface[3])  # sRGB to linear (the grade's gamma 2)


@wp.func
def hit_primitive(prims: Primitives, meshes: Meshes, i: int, ro: wp.vec3, rd: wp.vec3, time: float) -> float:
    c = prims.centers[i] + prims.velocities[i] * time
    m = prims.mats[i]
    return hit_shape(prims, meshes, i, m * (ro - c), m * rd, time, FAR)


@wp.func
def camera_hit(tiles: Tiles, row: int, prims: Primitives, meshes: Meshes, rd: wp.vec3, t_max: float, time: float):
    """Nearest hit of a camera ray among its tile's primitives, nearest box first, stopping past the best hit.

    The ray starts at the camera, whose position in each primitive's unit frame the entry carries. Returns
    (t, primitive, mesh, face, u, v); the last four describe a mesh hit (mesh -1 for analytic shapes).
    """
    best_t = t_max
    best = int(-1)  # noqa: UP018, RUF046
    best_mesh = int(-1)  # noqa: UP018, RUF046
    best_face = int(-1)  # noqa: UP018, RUF046
    best_u = float(0.0)  # noqa: UP018
    best_v = float(0.0)  # noqa: UP018
    for e in range(tiles.offsets[row], tiles.offsets[row + 1]):
        if tiles.near[e] >= best_t:
            break
        i = tiles.prims[e]
        if prims.shapes[i] == SHAPE_MESH:
            k = mesh_of(meshes, i, time)
            t, face, u, v = intersect_mesh(meshes, k, tiles.origins[e], prims.mats[i] * rd, best_t)
            if t > 0.0 and t < best_t:
                best_t = t
                best = i
                best_mesh = k
                best_face = face
                best_u = u
                best_v = v
        else:
            t = intersect_unit(prims.shapes[i], tiles.origins[e], prims.mats[i] * rd)
            if t > 0.0 and t < best_t:
                best_t = t
                best = i
                best_mesh = -1
    return best_t, best, best_mesh, best_face, best_u, best_v


@wp.func
def occluded_in_row(
    grid: ShadowGrid,
    row: int,
    prims: Primitives,
    meshes: Meshes,
    ro: wp.vec3,
    rd: wp.vec3,
    s: float,
    time: float,
    reach: float,
    skip: int,
) -> float:
    for e in range(grid.offsets[row], grid.offsets[row + 1]):
        if grid.s_max[e] <= s:  # this caster and the rest lie wholly behind the ray's start
            break
        i = grid.prims[e]
        # The light is above the horizon, so the ray only rises: casters wholly below its start cannot block
        # it, and neither can the convex primitive it leaves. Checked one by one (Warp's `and` would evaluate
        # the intersection for every candidate).
        # A mesh is not convex: it may shade itself (the ray starts off the surface along the normal).
        if grid.s_min[e] < s + reach and grid.z_max[e] > ro[2] and (i != skip or prims.shapes[i] == SHAPE_MESH):  # noqa: SIM102
            if hit_primitive(prims, meshes, i, ro, rd, time) > 0.0:
                return 1.0
    return 0.0


@wp.func
def occluded(
    grid: ShadowGrid, prims: Primitives, meshes: Meshes, ro: wp.vec3, rd: wp.vec3, time: float, reach: float, skip: int
) -> float:
    """1 if a shadow caster other than primitive ``skip`` lies along the light ray within ``reach``, else 0.

    ``rd`` is the light direction the grid was built for: seen from the light the ray is one point, so it
    needs only its own cell and the wide casters' row.
    """
    s = wp.dot(ro, rd)
    if occluded_in_row(grid, grid.cells_x * grid.cells_y, prims, meshes, ro, rd, s, time, reach, skip) > 0.0:
        return 1.0
    u = wp.floor((wp.dot(ro, grid.axis_u) - grid.origin_u) * grid.inv_cell)
    v = wp.floor((wp.dot(ro, grid.axis_v) - grid.origin_v) * grid.inv_cell)
    if u < 0.0 or v < 0.0 or u >= float(grid.cells_x) or v >= float(grid.cells_y):  # before int(): no overflow
        return 0.0
    return occluded_in_row(grid, int(v) * grid.cells_x + int(u), prims, meshes, ro, rd, s, time, reach, skip)


@wp.func
def panel_window(d: float, inv_step: float) -> float:
    """Smooth reach of one ceiling light along a grid axis: 1 beneath it, 0 from one step away (no seam where
    the lights around a point change)."""
    q = wp.min(wp.abs(d) * inv_step, 1.0)
    w = 1.0 - q * q
    return w * w


@wp.func
def panel_pair(c: float, o: float, inv_step: float, step: float, count: int) -> wp.vec4:
    """The two grid lights bracketing coordinate ``c`` along one axis: (offset to the first, its reach weight,
    offset to the second, its weight); a light beyond the grid's ends weighs 0."""
    i = wp.floor((c - o) * inv_step)
    d0 = o + i * step - c
    w0 = panel_window(d0, inv_step)
    w1 = panel_window(d0 + step, inv_step)
    if i < 0.0 or i >= float(count):
        w0 = 0.0
    if i + 1.0 < 0.0 or i + 1.0 >= float(count):
        w1 = 0.0
    return wp.vec4(d0, w0, d0 + step, w1)


@wp.func
def panel_term(n: wp.vec3, dx: float, dy: float, dz: float) -> float:
    cos_in = wp.max(n[0] * dx + n[1] * dy + n[2] * dz, 0.0)
    r2 = dx * dx + dy * dy + dz * dz
    return cos_in / (r2 * r2)


@wp.func
def ceiling_light(light: Lighting, p: wp.vec3, n: wp.vec3) -> wp.vec3:
    """Irradiance at ``p`` (normal ``n``) from the room's grid of ceiling lights, each a downward-facing
    Lambertian panel (cosine out, cosine in, inverse square): pools on the floor, scallops on the walls,
    the ceiling itself in their shade. Only the 2 x 2 lights around ``p`` count (each fades to nothing one
    grid step away); no shadows: the key light casts those."""
    o = light.panel_origin
    dz = o[2] - p[2]
    if light.panels_x == 0 or dz < 0.05:
        return wp.vec3(0.0, 0.0, 0.0)
    st = light.panel_step
    x = panel_pair(p[0], o[0], 1.0 / st[0], st[0], light.panels_x)
    y = panel_pair(p[1], o[1], 1.0 / st[1], st[1], light.panels_y)
    e = x[1] * (y[1] * panel_term(n, x[0], y[0], dz) + y[3] * panel_term(n, x[0], y[2], dz))
    e = e + x[3] * (y[1] * panel_term(n, x[2], y[0], dz) + y[3] * panel_term(n, x[2], y[2], dz))
    return light.panel_color * (e * dz)


@wp.func
def room_occlusion(light: Lighting, p: wp.vec3, n: wp.vec3) -> float:
    """Share of the indirect light that reaches ``p`` near the room's junctions (floor and walls, walls and
    ceiling, corners): analytic, from the distance to each face of the room's box that ``p`` does not lie on
    (a quadratic fall over CONTACT_M)."""
    ao = float(1.0)  # noqa: UP018
    for k in range(3):
        if wp.abs(n[k]) < 0.7:
            q = wp.max(1.0 - wp.min(p[k] - light.room_lo[k], light.room_hi[k] - p[k]) / CONTACT_M, 0.0)
            ao = ao * (1.0 - CONTACT_DEPTH * wp.min(q * q, 1.0))
    return ao


@wp.func
def aces(x: float) -> float:
    """Narkowicz's fit of the ACES filmic curve: linear radiance to display-linear 0..1."""
    return wp.clamp((x * (2.51 * x + 0.03)) / (x * (2.43 * x + 0.59) + 0.14), 0.0, 1.0)


@wp.func
def grade(c: wp.vec3, light: Lighting) -> wp.vec3:
    """Exposure, filmic curve, colour grade and gamma 2: linear radiance to display values in 0..1."""
    x = wp.vec3(aces(c[0] * light.exposure), aces(c[1] * light.exposure), aces(c[2] * light.exposure))
    x = wp.cw_mul(x, light.grade_gain)
    luma = 0.2126 * x[0] + 0.7152 * x[1] + 0.0722 * x[2]
    x = wp.vec3(luma, luma, luma) + (x - wp.vec3(luma, luma, luma)) * light.saturation
    x = wp.vec3(wp.sqrt(wp.clamp(x[0], 0.0, 1.0)), wp.sqrt(wp.clamp(x[1], 0.0, 1.0)), wp.sqrt(wp.clamp(x[2], 0.0, 1.0)))
    return wp.vec3(0.5, 0.5, 0.5) + (x - wp.vec3(0.5, 0.5, 0.5)) * light.contrast


@wp.func
def camera_ray(cam: Camera, rot: wp.mat33, x: int, y: int) -> wp.vec3:
    """The unit world direction of the camera ray through the centre of pixel (x, y)."""
    local_dir = wp.vec3((float(x) + 0.5 - cam.cx) / cam.fx, (float(y) + 0.5 - cam.cy) / cam.fy, 1.0)
    return wp.normalize(rot * local_dir)


@wp.func
def ground_hit(ro: wp.vec3, rd: wp.vec3, has_ground: int) -> float:
    """Distance along the ray to the ground plane z = 0 (FAR: no ground, or the ray never meets it)."""
    ground_t = float(FAR)
    if has_ground == 1 and rd[2] < -1.0e-6 and ro[2] > 0.0:
        ground_t = -ro[2] / rd[2]
    return ground_t


@wp.kernel
def instance_pass(
    tiles: Tiles,
    prims: Primitives,
    meshes: Meshes,
    cam_pos: wp.array(dtype=wp.vec3),
    cam_rot: wp.array(dtype=wp.mat33),
    times: wp.array(dtype=wp.float32),
    cam: Camera,
    has_ground: int,
    instance: wp.array3d(dtype=wp.int32),
):
    """``render_passes``'s instance pass alone: the camera rays and nothing that shades what they hit."""
    f, y, x = wp.tid()
    rot = cam_rot[f]
    rd = camera_ray(cam, rot, x, y)
    row = (f * tiles.tiles_y + y / tiles.size) * tiles.tiles_x + x / tiles.size
    _t, best, _mesh, _face, _u, _v = camera_hit(
        tiles, row, prims, meshes, rd, ground_hit(cam_pos[f], rd, has_ground), times[f]
    )
    inst = int(0)  # noqa: UP018, RUF046 - sky and ground plane
    if best >= 0:
        inst = prims.instance_ids[best]
    instance[f, y, x] = inst


@wp.kernel
def render_passes(
    shadows: ShadowGrid,
    tiles: Tiles,
    prims: Primitives,
    meshes: Meshes,
    cam_pos: wp.array(dtype=wp.vec3),
    cam_rot: wp.array(dtype=wp.mat33),
    times: wp.array(dtype=wp.float32),
    cam: Camera,
    light: Lighting,
    signs: Atlas,
    materials: Atlas,
    sky_class: int,
    write_normals: int,
    rgb: wp.array4d(dtype=wp.uint8),
    depth: wp.array3d(dtype=wp.float32),
    seg: wp.array3d(dtype=wp.uint8),
    instance: wp.array3d(dtype=wp.int32),
    normals: wp.array3d(dtype=wp.vec3),
):
    f, y, x = wp.tid()
    time = times[f]
    rot = cam_rot[f]
    ro = cam_pos[f]
    forward = wp.vec3(rot[0, 2], rot[1, 2], rot[2, 2])
    rd = camera_ray(cam, rot, x, y)
    ground_t = ground_hit(ro, rd, light.has_ground)
    row = (f * tiles.tiles_y + y / tiles.size) * tiles.tiles_x + x / tiles.size
    best_t, best, best_mesh, best_face, best_u, best_v = camera_hit(tiles, row, prims, meshes, rd, ground_t, time)
    if best == -1 and ground_t < FAR:
        best = -2

    col = wp.vec3(0.0, 0.0, 0.0)
    pixel = 1.0 / cam.fx  # the angle one pixel spans (radians)
    if best == -1:
        col = sky_color(rd, light, time, materials, pixel)
        if light.fog_density > 0.0:
            col = wp.lerp(
                col,
                light.fog_color,
                wp.min(light.fog_density * 400.0, 0.85) * (1.0 - wp.min(wp.max(rd[2], 0.0) * 3.0, 1.0))
                + wp.min(light.fog_density * 60.0, 0.5),
            )
        depth[f, y, x] = wp.inf
        seg[f, y, x] = wp.uint8(sky_class)
        instance[f, y, x] = 0
        if write_normals == 1:
            normals[f, y, x] = wp.vec3(0.0, 0.0, 0.0)
    else:
        p = ro + rd * best_t
        n = wp.vec3(0.0, 0.0, 1.0)
        base = light.ground_color
        pattern = light.ground_pattern
        local = wp.vec3(p[0], p[1], 0.0)
        half = wp.vec3(1.0, 1.0, 1.0)
        inst = int(0)  # noqa: UP018, RUF046
        cls = light.ground_class
        emit = float(0.0)  # noqa: UP018
        mat = light.ground_material
        shape = int(-1)  # noqa: UP018, RUF046
        axis_x = wp.vec3(1.0, 0.0, 0.0)
        obj_n = wp.vec3(0.0, 0.0, 1.0)  # a mesh's normal in its own (metric) frame
        ldir = rd  # the ray's direction in the primitive's unit frame
        if best >= 0:
            c = prims.centers[best] + prims.velocities[best] * time
            m = prims.mats[best]
            local = m * (p - c)
            ldir = m * rd
            base = prims.colors[best]
            if best_mesh >= 0:  # mesh: baked albedo tinted by the primitive's colour, interpolated normal
                baked, unit_n = mesh_surface(meshes, best_mesh, best_face, best_u, best_v)
                n = wp.normalize(wp.transpose(m) * unit_n)
                obj_n = wp.normalize(wp.cw_div(unit_n, prims.halves[best]))
                base = wp.cw_mul(baked, base)
                mat = prims.materials[best]  # rigid models only (vehicles): the texture must not swim on limbs
            else:
                shape = prims.shapes[best]
                n = wp.normalize(wp.transpose(m) * unit_normal(shape, local))
                mat = prims.materials[best]
                flat_x = wp.vec3(m[0, 0], m[0, 1], 0.0)  # the object's x axis, level
                if wp.length(flat_x) > 1.0e-6:
                    axis_x = wp.normalize(flat_x)
            pattern = prims.patterns[best]
            half = prims.halves[best]
            inst = prims.instance_ids[best]
            cls = prims.class_ids[best]
            emit = prims.emissive[best]
        if wp.dot(n, rd) > 0.0:
            n = -n
        footprint = best_t / (cam.fx * wp.max(wp.abs(wp.dot(n, rd)), 0.2))
        tex = wp.vec3(1.0, 1.0, 1.0)
        if mat >= 0:  # the material's baked tile by world-planar UV, shifted per object
            uv = wp.vec2(0.0, 0.0)
            if best_mesh >= 0:  # a moving model: planar UV in its own frame, so the texture rides along
                uv = surface_uv(shape, wp.cw_mul(local, half), obj_n, local, half, wp.vec3(1.0, 0.0, 0.0))
            else:
                uv = surface_uv(shape, p, n, local, half, axis_x)
            su = uv[0] + 61.0 * hash3(float(inst), 3.0, 5.0)
            sv = uv[1] + 37.0 * hash3(float(inst), 7.0, 1.0)
            if pattern == 4:  # water: the ripples drift
                su = su + time * 0.35
                sv = sv + time * 0.2
            # mip by the geometric mean of the footprint's two axes: sharper than the long axis at grazing angles
            tex_fp = best_t / (cam.fx * wp.sqrt(wp.max(wp.abs(wp.dot(n, rd)), 0.04)))
            tex = material_factor(materials, mat, su, sv, tex_fp)
            # weathering over metres (the fractal cloud tile, 9 m across): hides the tile's repeats, reads far away
            macro_rect = materials.rects[light.cloud_tile]
            macro_lod = wp.log2(wp.max(tex_fp * macro_rect[2] / MACRO_M, 1.0))  # one level: smooth enough
            macro_level = wp.min(int(macro_lod + 0.5), materials.levels - 1)
            macro = atlas_bilinear(materials, macro_level, macro_rect, su / MACRO_M, sv / MACRO_M, 1)[0]
            tex = tex * (1.0 + materials.weathering[mat] * (4.0 * macro - 1.0))  # the tile stores density / 2
        surface_base = base
        if pattern != 4:
            surface_base = wp.cw_mul(base, tex)
        surface = surface_albedo(
            pattern, surface_base, p, n, local, half, inst, light, rd, time, footprint, materials, pixel, ldir
        )
        surface = sign_surface(signs, best, local, half, footprint, surface)  # sign text from the atlas
        albedo = wp.vec3(surface[0], surface[1], surface[2])
        if pattern == 4:
            albedo = wp.cw_mul(albedo, tex)
        if light.snow > 0.0 and light.indoor == 0 and n[2] > 0.6:
            albedo = wp.lerp(albedo, wp.vec3(0.85, 0.87, 0.9), light.snow * 0.8)
        ndl = wp.dot(n, light.sun_dir)
        direct = wp.vec3(0.0, 0.0, 0.0)
        if ndl > 0.0:
            lit = float(1.0)  # noqa: UP018 - Warp: a typed declaration makes the variable mutable in branches
            # indoors the key only shades what faces up (floors, seats, tables): walls take the ceiling lights
            if light.shadow_reach > 0.0 and (light.indoor == 0 or n[2] > 0.5):
                lit = 1.0 - occluded(
                    shadows, prims, meshes, p + n * 0.02, light.sun_dir, time, light.shadow_reach, best
                )
            direct = light.sun_color * (ndl * lit)
        for k in range(light.lamp_count):  # street and path lamps at night: pools of light, no shadows
            to_lamp = light.lamps[k] - p
            r2 = wp.dot(to_lamp, to_lamp)
            if r2 < LAMP_REACH2:
                cos_in = wp.dot(n, to_lamp) / wp.sqrt(r2 + 1.0e-6)
                if cos_in > 0.0:
                    direct = direct + light.lamp_color * (cos_in * (1.0 - r2 / LAMP_REACH2) / (r2 + 1.0))
        ambient = wp.lerp(light.ambient_ground, light.ambient_sky, 0.5 + 0.5 * n[2])
        if light.indoor == 1:  # ceiling lights and the darkened junctions of the room's box
            ambient = (ambient + ceiling_light(light, p, n)) * room_occlusion(light, p, n)
        if surface[3] < 0.0:  # an opaque part of a lit panel (a window's frame, its blinds): not lit from behind
            emit = 0.0
            surface = wp.vec4(surface[0], surface[1], surface[2], 0.0)
        col = wp.cw_mul(albedo, direct + ambient) + albedo * (emit + surface[3])
        if light.fog_density > 0.0:
            fog = 1.0 - wp.exp(-light.fog_density * best_t)
            col = wp.lerp(col, light.fog_color, fog)
        depth[f, y, x] = best_t * wp.dot(rd, forward)
        seg[f, y, x] = wp.uint8(cls)
        instance[f, y, x] = inst
        if write_normals == 1:
            normals[f, y, x] = wp.transpose(rot) * n

    if light.rain > 0.0:
        streak = hash3(wp.floor(float(x) * 0.5), wp.floor((float(y) + time * 900.0) / 14.0), float(f % 3))
        col = col * (1.0 - 0.25 * light.rain)
        if streak > 0.985:
            col = col + wp.vec3(0.12, 0.12, 0.13) * light.rain
    if light.snow > 0.0 and light.indoor == 0:
        flake = hash3(wp.floor(float(x) / 2.0), wp.floor((float(y) + time * 120.0) / 2.0), 3.0)
        if flake > 0.996:
            col = col + wp.vec3(0.6, 0.6, 0.6) * light.snow
    out = grade(col, light)
    rgb[f, y, x, 0] = wp.uint8(int(wp.clamp(out[0], 0.0, 1.0) * 255.0 + 0.5))
    rgb[f, y, x, 1] = wp.uint8(int(wp.clamp(out[1], 0.0, 1.0) * 255.0 + 0.5))
    rgb[f, y, x, 2] = wp.uint8(int(wp.clamp(out[2], 0.0, 1.0) * 255.0 + 0.5))
