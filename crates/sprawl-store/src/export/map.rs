//! Top-down maps: every object's triangles, projected onto the ground plane,
//! coloured by semantic class.
//!
//! Image axes: x → right (east, +X), z → down (south, +Z), so north is up.
//! Pixel `(i, j)` covers world `x0 + i·s .. x0 + (i+1)·s`, `z0 + j·s .. z0 + (j+1)·s`
//! for a scale of `s` metres per pixel; a triangle paints the pixels whose
//! centres it covers.
//!
//! Classes are painted in a fixed priority order — terrain < water < park <
//! road, bridge < sidewalk < building < roof < tree < lamp, bench, parked car,
//! prop, agent — and within a class the higher surface wins. Terrain is shaded
//! by its slope (hillshade, light from the north-west) and slightly by height;
//! buildings and roofs by their slope and height. A chunk without a terrain
//! object is drawn from its heightfield. Pixels outside every chunk keep the
//! [`BACKGROUND`] colour. Small props (trees, lamps, benches, cars) that cover
//! no pixel centre still get one pixel, so they show at coarse scales.

use super::{ExportError, check_region};
use glam::Vec3;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ExtendedColorType, ImageEncoder, RgbImage};
use sprawl_world::{Chunk, Object, Region, SemanticClass};

/// Largest width or height of a map (pixels).
pub const MAX_MAP_SIDE: u32 = 16384;

/// Colour of pixels outside every chunk.
pub const BACKGROUND: [u8; 3] = [58, 60, 64];

/// Direction towards the light: from the north-west (−X, −Z), 45° up.
const LIGHT: Vec3 = Vec3::new(-0.5, std::f32::consts::FRAC_1_SQRT_2, -0.5);

/// The map colour of a class (sRGB), before shading.
pub fn class_colour(class: SemanticClass) -> [u8; 3] {
    match class {
        SemanticClass::Terrain => [200, 190, 160],
        SemanticClass::Water => [110, 160, 210],
        SemanticClass::Park => [150, 200, 120],
        SemanticClass::Road => [95, 95, 100],
        SemanticClass::Bridge => [135, 125, 115],
        SemanticClass::Sidewalk => [205, 203, 196],
        SemanticClass::Building => [180, 150, 140],
        SemanticClass::Roof => [160, 120, 110],
        SemanticClass::Tree => [70, 130, 70],
        SemanticClass::Lamp => [250, 210, 90],
        SemanticClass::Bench => [150, 105, 65],
        SemanticClass::ParkedCar => [215, 70, 60],
        SemanticClass::Prop => [235, 150, 50],
        SemanticClass::Agent => [230, 60, 210],
    }
}

/// Paint priority of a class (higher covers lower; 0 is "nothing yet").
fn priority(class: SemanticClass) -> u8 {
    match class {
        SemanticClass::Terrain => 1,
        SemanticClass::Water => 2,
        SemanticClass::Park => 3,
        SemanticClass::Road | SemanticClass::Bridge => 4,
        SemanticClass::Sidewalk => 5,
        SemanticClass::Building => 6,
        SemanticClass::Roof => 7,
        SemanticClass::Tree => 8,
        SemanticClass::Lamp
        | SemanticClass::Bench
        | SemanticClass::ParkedCar
        | SemanticClass::Prop
        | SemanticClass::Agent => 9,
    }
}

/// How a class is shaded: hillshade strength and height tint.
#[derive(Clone, Copy)]
struct Style {
    /// 0 = flat colour, 1 = full hillshade.
    hillshade: f32,
    /// Brightness change per metre of height above `reference`.
    tint_per_m: f32,
    /// Height (metres) of neutral tint.
    reference: f32,
    /// Largest height difference that still changes the tint (metres).
    range: f32,
    /// Whether an object that covers no pixel centre still gets one pixel.
    always_visible: bool,
}

fn style(class: SemanticClass) -> Style {
    let flat = Style {
        hillshade: 0.15,
        tint_per_m: 0.0,
        reference: 0.0,
        range: 0.0,
        always_visible: false,
    };
    match class {
        SemanticClass::Terrain => Style {
            hillshade: 1.0,
            tint_per_m: 0.0015,
            range: 100.0,
            ..flat
        },
        SemanticClass::Park => Style {
            hillshade: 0.5,
            ..flat
        },
        SemanticClass::Building | SemanticClass::Roof => Style {
            hillshade: 0.8,
            tint_per_m: 0.002,
            reference: 30.0,
            range: 70.0,
            ..flat
        },
        SemanticClass::Tree => Style {
            hillshade: 0.6,
            always_visible: true,
            ..flat
        },
        SemanticClass::Lamp
        | SemanticClass::Bench
        | SemanticClass::ParkedCar
        | SemanticClass::Prop
        | SemanticClass::Agent => Style {
            hillshade: 0.3,
            always_visible: true,
            ..flat
        },
        SemanticClass::Water
        | SemanticClass::Road
        | SemanticClass::Bridge
        | SemanticClass::Sidewalk => flat,
    }
}

/// Size in pixels `(width, height)` of a map of `region` at `metres_per_pixel`.
///
/// # Errors
/// [`ExportError::InvalidScale`] for a zero, negative or non-finite scale,
/// [`ExportError::InvalidRegion`] for a region that is not a finite rectangle
/// with positive extent, [`ExportError::MapTooLarge`] when a side would exceed
/// [`MAX_MAP_SIDE`].
pub fn map_size(region: Region, metres_per_pixel: f32) -> Result<(u32, u32), ExportError> {
    if !(metres_per_pixel.is_finite() && metres_per_pixel > 0.0) {
        return Err(ExportError::InvalidScale(metres_per_pixel));
    }
    check_region(region)?;
    let s = f64::from(metres_per_pixel);
    // A hair under whole numbers rounds down, so 100 m at 0.1 m/px is 1000 px.
    let side = |extent: f64| {
        let px = extent / s;
        (px - px * 1e-9).ceil().max(1.0)
    };
    let w = side(f64::from(region.x1) - f64::from(region.x0));
    let h = side(f64::from(region.z1) - f64::from(region.z0));
    let max = f64::from(MAX_MAP_SIDE);
    if w > max || h > max {
        // Saturating float → int casts: huge sizes are reported, not wrapped.
        return Err(ExportError::MapTooLarge {
            width: w as u64,
            height: h as u64,
            max: MAX_MAP_SIDE,
        });
    }
    Ok((w as u32, h as u32))
}

/// Renders a top-down map of `region` at `metres_per_pixel`, coloured by class
/// ([`class_colour`]), painted in a fixed class order, terrain hillshaded from
/// the north-west.
///
/// The image is [`map_size`] pixels; only objects (and heightfields) of the
/// given chunks are drawn, so pass every chunk that overlaps the region.
///
/// # Errors
/// The errors of [`map_size`]; [`ExportError::InvalidMesh`] /
/// [`ExportError::InvalidTransform`] for an object that cannot be placed
/// (NaN, bad index, …); [`ExportError::InvalidHeightfield`] for a malformed
/// terrain grid.
pub fn render_map(
    chunks: &[Chunk],
    region: Region,
    metres_per_pixel: f32,
) -> Result<RgbImage, ExportError> {
    let (w, h) = map_size(region, metres_per_pixel)?;
    let mut canvas = Canvas::new(w, h, region, metres_per_pixel);
    let mut order: Vec<&Chunk> = chunks.iter().collect();
    order.sort_by_key(|c| c.coord);
    let mut world: Vec<Vec3> = Vec::new();
    for chunk in order {
        let has_terrain_mesh = chunk
            .objects
            .iter()
            .any(|o| o.class == SemanticClass::Terrain && !o.mesh.is_empty());
        if !has_terrain_mesh {
            draw_heightfield(&mut canvas, chunk)?;
        }
        for object in &chunk.objects {
            draw_object(&mut canvas, object, &mut world)?;
        }
    }
    let mut img = RgbImage::new(w, h);
    let buf: &mut [u8] = &mut img;
    for (k, px) in buf.chunks_exact_mut(3).enumerate() {
        let c = if canvas.prio[k] == 0 {
            BACKGROUND
        } else {
            canvas.rgb[k]
        };
        px.copy_from_slice(&c);
    }
    Ok(img)
}

/// Encodes a map as PNG bytes (8-bit RGB, fixed compression settings, no
/// timestamp or other metadata): equal images give equal bytes.
///
/// # Errors
/// [`ExportError::Png`] if the encoder fails.
pub fn encode_png(img: &RgbImage) -> Result<Vec<u8>, ExportError> {
    let mut out = Vec::new();
    PngEncoder::new_with_quality(&mut out, CompressionType::Default, FilterType::Adaptive)
        .write_image(
            img.as_raw(),
            img.width(),
            img.height(),
            ExtendedColorType::Rgb8,
        )?;
    Ok(out)
}

/// What a triangle paints.
struct Paint {
    prio: u8,
    /// Colour after hillshade, 0..=255 per channel.
    rgb: [f32; 3],
    style: Style,
}

impl Paint {
    fn new(class: SemanticClass, normal: Vec3) -> Self {
        let style = style(class);
        let d = (normal.dot(LIGHT) / std::f32::consts::FRAC_1_SQRT_2).clamp(0.0, 1.4);
        let shade = (1.0 + style.hillshade * (d - 1.0)).clamp(0.45, 1.3);
        Self {
            prio: priority(class),
            rgb: class_colour(class).map(|c| f32::from(c) * shade),
            style,
        }
    }

    fn colour_at(&self, y: f32) -> [u8; 3] {
        let s = self.style;
        let tint = 1.0 + s.tint_per_m * (y - s.reference).clamp(-s.range, s.range);
        self.rgb.map(|c| (c * tint).round().clamp(0.0, 255.0) as u8)
    }
}

/// Priority, top height and colour per pixel.
struct Canvas {
    w: usize,
    h: usize,
    region: Region,
    /// Pixels per metre.
    inv: f64,
    prio: Vec<u8>,
    top: Vec<f32>,
    rgb: Vec<[u8; 3]>,
}

impl Canvas {
    fn new(w: u32, h: u32, region: Region, metres_per_pixel: f32) -> Self {
        let n = w as usize * h as usize;
        Self {
            w: w as usize,
            h: h as usize,
            region,
            inv: 1.0 / f64::from(metres_per_pixel),
            prio: vec![0; n],
            top: vec![f32::NEG_INFINITY; n],
            rgb: vec![BACKGROUND; n],
        }
    }

    /// World `(x, z)` → continuous pixel coordinates.
    fn to_px(&self, p: Vec3) -> (f64, f64) {
        (
            (f64::from(p.x) - f64::from(self.region.x0)) * self.inv,
            (f64::from(p.z) - f64::from(self.region.z0)) * self.inv,
        )
    }

    /// Whether a world-space box (x, z ranges) can touch the map.
    fn overlaps(&self, lo: Vec3, hi: Vec3) -> bool {
        let r = self.region;
        hi.x >= r.x0 && lo.x <= r.x1 && hi.z >= r.z0 && lo.z <= r.z1
    }

    #[inline]
    fn plot(&mut self, k: usize, y: f32, paint: &Paint) {
        let p = self.prio[k];
        if paint.prio > p || (paint.prio == p && y >= self.top[k]) {
            self.prio[k] = paint.prio;
            self.top[k] = y;
            self.rgb[k] = paint.colour_at(y);
        }
    }

    /// Paints the pixel containing world point `p`, if on the map.
    fn plot_point(&mut self, p: Vec3, paint: &Paint) {
        let (x, z) = self.to_px(p);
        if x >= 0.0 && z >= 0.0 && x < self.w as f64 && z < self.h as f64 {
            self.plot(z as usize * self.w + x as usize, p.y, paint);
        }
    }

    /// Paints a world triangle's projection in the colour of `class`, shaded by
    /// the triangle's slope; returns how many pixels it covered.
    fn triangle(&mut self, a: Vec3, b: Vec3, c: Vec3, class: SemanticClass) -> usize {
        let (pa, pb, pc) = (self.to_px(a), self.to_px(b), self.to_px(c));
        let (mut pb, mut pc, mut yb, mut yc) = (pb, pc, b.y, c.y);
        let edge = |u: (f64, f64), v: (f64, f64), p: (f64, f64)| {
            (v.0 - u.0) * (p.1 - u.1) - (v.1 - u.1) * (p.0 - u.0)
        };
        let mut area = edge(pa, pb, pc);
        if !(area.is_finite() && area.abs() > 1e-9) {
            return 0; // seen edge-on (a wall) or degenerate
        }
        if area < 0.0 {
            std::mem::swap(&mut pb, &mut pc);
            std::mem::swap(&mut yb, &mut yc);
            area = -area;
        }
        let min_x = pa.0.min(pb.0).min(pc.0);
        let max_x = pa.0.max(pb.0).max(pc.0);
        let min_y = pa.1.min(pb.1).min(pc.1);
        let max_y = pa.1.max(pb.1).max(pc.1);
        // Pixels whose centre (i + 0.5) lies in the bounding box.
        let i0 = (min_x - 0.5).ceil().max(0.0);
        let i1 = (max_x - 0.5).floor().min(self.w as f64 - 1.0);
        let j0 = (min_y - 0.5).ceil().max(0.0);
        let j1 = (max_y - 0.5).floor().min(self.h as f64 - 1.0);
        if i0 > i1 || j0 > j1 {
            return 0;
        }
        let (i0, i1, j0, j1) = (i0 as usize, i1 as usize, j0 as usize, j1 as usize);
        // Upward normal (a triangle seen from above has a non-zero projection, so a normal).
        let n = (b - a).cross(c - a).normalize_or(Vec3::Y);
        let paint = &Paint::new(class, if n.y < 0.0 { -n } else { n });
        // Edge functions: weight of a is edge(b, c, p), of b edge(c, a, p), of c edge(a, b, p).
        let edges = [(pb, pc), (pc, pa), (pa, pb)];
        let step: [f64; 3] = edges.map(|(u, v)| -(v.1 - u.1)); // per pixel along x
        let ys = [a.y, yb, yc].map(f64::from);
        let mut painted = 0;
        for j in j0..=j1 {
            let py = j as f64 + 0.5;
            let px = i0 as f64 + 0.5;
            let w: [f64; 3] = edges.map(|(u, v)| edge(u, v, (px, py)));
            // Span of k (pixels from i0) where every weight is ≥ 0.
            let (mut lo, mut hi) = (0.0f64, (i1 - i0) as f64);
            for e in 0..3 {
                if step[e] > 0.0 {
                    lo = lo.max((-w[e] / step[e]).ceil());
                } else if step[e] < 0.0 {
                    hi = hi.min((-w[e] / step[e]).floor());
                } else if w[e] < 0.0 {
                    hi = -1.0;
                }
            }
            if lo > hi {
                continue;
            }
            let row = j * self.w;
            for k in lo as usize..=hi as usize {
                let kf = k as f64;
                let (w0, w1, w2) = (
                    w[0] + kf * step[0],
                    w[1] + kf * step[1],
                    w[2] + kf * step[2],
                );
                let y = ((w0 * ys[0] + w1 * ys[1] + w2 * ys[2]) / area) as f32;
                self.plot(row + i0 + k, y, paint);
                painted += 1;
            }
        }
        painted
    }
}

/// Paints one object's triangles.
fn draw_object(
    canvas: &mut Canvas,
    object: &Object,
    world: &mut Vec<Vec3>,
) -> Result<(), ExportError> {
    let mesh = &object.mesh;
    if mesh.is_empty() {
        return Ok(());
    }
    if !object.transform.is_finite() {
        return Err(ExportError::InvalidTransform {
            object: object.id,
            reason: "a component is not finite",
        });
    }
    mesh.validate().map_err(|reason| ExportError::InvalidMesh {
        object: object.id,
        reason,
    })?;
    world.clear();
    let (mut lo, mut hi) = (Vec3::splat(f32::INFINITY), Vec3::splat(f32::NEG_INFINITY));
    for p in &mesh.positions {
        let q = object.transform.apply(Vec3::from_array(*p));
        lo = lo.min(q);
        hi = hi.max(q);
        world.push(q);
    }
    if !(lo.is_finite() && hi.is_finite()) {
        return Err(ExportError::InvalidTransform {
            object: object.id,
            reason: "places the mesh at non-finite coordinates",
        });
    }
    if !canvas.overlaps(lo, hi) {
        return Ok(());
    }
    let mut painted = 0;
    for t in mesh.indices.chunks_exact(3) {
        let (a, b, c) = (
            world[t[0] as usize],
            world[t[1] as usize],
            world[t[2] as usize],
        );
        painted += canvas.triangle(a, b, c, object.class);
    }
    if painted == 0 && style(object.class).always_visible {
        let centre = Vec3::new((lo.x + hi.x) * 0.5, hi.y, (lo.z + hi.z) * 0.5);
        canvas.plot_point(centre, &Paint::new(object.class, Vec3::Y));
    }
    Ok(())
}

/// Paints a chunk's terrain heightfield (for chunks that have no terrain object).
fn draw_heightfield(canvas: &mut Canvas, chunk: &Chunk) -> Result<(), ExportError> {
    let hf = &chunk.terrain;
    let bad = |reason: String| ExportError::InvalidHeightfield {
        chunk: chunk.coord,
        reason,
    };
    let n = hf.samples as usize;
    if n < 2 {
        return Err(bad(format!(
            "{} samples per side; at least 2 needed",
            hf.samples
        )));
    }
    if n.checked_mul(n) != Some(hf.heights.len()) {
        return Err(bad(format!(
            "{} heights for {n}×{n} samples",
            hf.heights.len()
        )));
    }
    if !(hf.size.is_finite() && hf.size > 0.0 && chunk.size.is_finite() && chunk.size > 0.0) {
        return Err(bad(format!(
            "side {} in a chunk of side {}",
            hf.size, chunk.size
        )));
    }
    if hf.heights.iter().any(|h| !h.is_finite()) {
        return Err(bad("a height is not finite".into()));
    }
    let (ox, oz) = chunk.coord.origin(chunk.size);
    let (ox, oz) = (ox as f32, oz as f32);
    let (lo_h, hi_h) = hf
        .heights
        .iter()
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(l, h), v| {
            (l.min(*v), h.max(*v))
        });
    if !canvas.overlaps(
        Vec3::new(ox, lo_h, oz),
        Vec3::new(ox + hf.size, hi_h, oz + hf.size),
    ) {
        return Ok(());
    }
    let step = hf.size / (n - 1) as f32;
    let at = |col: usize, row: usize| {
        Vec3::new(
            ox + col as f32 * step,
            hf.heights[row * n + col],
            oz + row as f32 * step,
        )
    };
    for row in 0..n - 1 {
        for col in 0..n - 1 {
            let (p00, p10, p01, p11) = (
                at(col, row),
                at(col + 1, row),
                at(col, row + 1),
                at(col + 1, row + 1),
            );
            for (a, b, c) in [(p00, p01, p11), (p00, p11, p10)] {
                canvas.triangle(a, b, c, SemanticClass::Terrain);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_round_and_refuse() {
        let r = Region::new(0.0, 0.0, 100.0, 50.0);
        assert_eq!(map_size(r, 1.0).unwrap(), (100, 50));
        assert_eq!(map_size(r, 0.1).unwrap(), (1000, 500));
        assert_eq!(map_size(r, 3.0).unwrap(), (34, 17));
        assert_eq!(map_size(r, 1000.0).unwrap(), (1, 1));
        for s in [0.0, -1.0, f32::NAN, f32::INFINITY] {
            assert!(matches!(map_size(r, s), Err(ExportError::InvalidScale(_))));
        }
        assert!(matches!(
            map_size(r, 1e-6),
            Err(ExportError::MapTooLarge { .. })
        ));
        let flat = Region {
            x0: 0.0,
            z0: 0.0,
            x1: 10.0,
            z1: 0.0,
        };
        assert!(matches!(
            map_size(flat, 1.0),
            Err(ExportError::InvalidRegion { .. })
        ));
    }

    #[test]
    fn triangle_covers_half_a_square() {
        let r = Region::new(0.0, 0.0, 10.0, 10.0);
        let mut c = Canvas::new(10, 10, r, 1.0);
        let n = c.triangle(
            Vec3::ZERO,
            Vec3::new(10.0, 0.0, 0.0),
            Vec3::new(0.0, 0.0, 10.0),
            SemanticClass::Road,
        );
        // Centres (i+0.5, j+0.5) with i + j + 1 <= 10: 55 pixels.
        assert_eq!(n, 55);
        // Same count with the other winding.
        let mut c2 = Canvas::new(10, 10, r, 1.0);
        assert_eq!(
            c2.triangle(
                Vec3::ZERO,
                Vec3::new(0.0, 0.0, 10.0),
                Vec3::new(10.0, 0.0, 0.0),
                SemanticClass::Road
            ),
            55
        );
        assert_eq!(c.prio[0], priority(SemanticClass::Road));
        assert_eq!(c.prio[99], 0);
    }
}
