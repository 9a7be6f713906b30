//! Draws the sample sketches in `assets/sketches/` (256×256 px, meant for
//! 4 m per pixel, i.e. about 1 km across), in the colours of the sketch
//! legend, anti-aliased and slightly wobbly like a hand drawing.
//!
//! ```text
//! cargo run -p sprawl-gen --release --example make_sketches [OUT_DIR]
//! ```
//!
//! Writes `riverside.png`, `harbour.png`, `ring_town.png` and a JPEG copy
//! of the first, `riverside.jpg`. Deterministic: re-running gives the same
//! files.

use image::codecs::jpeg::JpegEncoder;
use image::{ImageFormat, Rgb, RgbImage};
use sprawl_gen::sketch::drawing_colour;
use sprawl_world::SketchCell;
use std::f32::consts::TAU;
use std::path::PathBuf;

const SIZE: usize = 256;
/// Supersampling factor (anti-aliasing).
const SS: usize = 4;
const ROAD: [u8; 3] = [25, 25, 25];

/// A supersampled RGB canvas; shapes are given in output-pixel units.
struct Canvas {
    n: usize,
    px: Vec<[u8; 3]>,
}

impl Canvas {
    fn new() -> Self {
        let n = SIZE * SS;
        Self {
            n,
            px: vec![[255, 255, 255]; n * n],
        }
    }

    /// Paints every sub-pixel inside `bbox` (x0, y0, x1, y1) for which
    /// `inside(x, y)` holds.
    fn paint(&mut self, colour: [u8; 3], bbox: [f32; 4], inside: impl Fn(f32, f32) -> bool) {
        let s = SS as f32;
        let lo = |v: f32| ((v * s).floor().max(0.0) as usize).min(self.n);
        let hi = |v: f32| ((v * s).ceil().max(0.0) as usize).min(self.n);
        for sy in lo(bbox[1])..hi(bbox[3]) {
            for sx in lo(bbox[0])..hi(bbox[2]) {
                let (x, y) = ((sx as f32 + 0.5) / s, (sy as f32 + 0.5) / s);
                if inside(x, y) {
                    self.px[sy * self.n + sx] = colour;
                }
            }
        }
    }

    fn rect(&mut self, colour: [u8; 3], x0: f32, y0: f32, x1: f32, y1: f32) {
        self.paint(colour, [x0, y0, x1, y1], |_, _| true);
    }

    fn ellipse(&mut self, colour: [u8; 3], cx: f32, cy: f32, rx: f32, ry: f32) {
        self.paint(colour, [cx - rx, cy - ry, cx + rx, cy + ry], |x, y| {
            ((x - cx) / rx).powi(2) + ((y - cy) / ry).powi(2) <= 1.0
        });
    }

    fn polygon(&mut self, colour: [u8; 3], pts: &[[f32; 2]]) {
        let bbox = pts
            .iter()
            .fold([f32::MAX, f32::MAX, f32::MIN, f32::MIN], |b, p| {
                [
                    b[0].min(p[0]),
                    b[1].min(p[1]),
                    b[2].max(p[0]),
                    b[3].max(p[1]),
                ]
            });
        self.paint(colour, bbox, |x, y| {
            let mut inside = false;
            let mut j = pts.len() - 1;
            for i in 0..pts.len() {
                let (a, b) = (pts[i], pts[j]);
                if (a[1] > y) != (b[1] > y) && x < (b[0] - a[0]) * (y - a[1]) / (b[1] - a[1]) + a[0]
                {
                    inside = !inside;
                }
                j = i;
            }
            inside
        });
    }

    /// A round-capped stroke along a polyline.
    fn stroke(&mut self, colour: [u8; 3], pts: &[[f32; 2]], width: f32) {
        let r = width / 2.0;
        for seg in pts.windows(2) {
            let (a, b) = (seg[0], seg[1]);
            let bbox = [
                a[0].min(b[0]) - r,
                a[1].min(b[1]) - r,
                a[0].max(b[0]) + r,
                a[1].max(b[1]) + r,
            ];
            self.paint(colour, bbox, |x, y| segment_distance([x, y], a, b) <= r);
        }
    }

    /// Box-filters the canvas down to the output size.
    fn finish(&self) -> RgbImage {
        RgbImage::from_fn(SIZE as u32, SIZE as u32, |x, y| {
            let mut sum = [0u32; 3];
            for sy in 0..SS {
                for sx in 0..SS {
                    let p = self.px[(y as usize * SS + sy) * self.n + x as usize * SS + sx];
                    for c in 0..3 {
                        sum[c] += u32::from(p[c]);
                    }
                }
            }
            let n = (SS * SS) as u32;
            Rgb(sum.map(|v| ((v + n / 2) / n) as u8))
        })
    }
}

fn segment_distance(p: [f32; 2], a: [f32; 2], b: [f32; 2]) -> f32 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    (p[0] - a[0] - t * dx).hypot(p[1] - a[1] - t * dy)
}

/// Subdivides a polyline every ~3 px and nudges it sideways by a small
/// sine, like a hand-drawn line.
fn wobble(pts: &[[f32; 2]], amplitude: f32, phase: f32) -> Vec<[f32; 2]> {
    let mut out = Vec::new();
    let mut travelled = 0.0f32;
    for seg in pts.windows(2) {
        let (a, b) = (seg[0], seg[1]);
        let len = (b[0] - a[0]).hypot(b[1] - a[1]);
        let steps = (len / 3.0).ceil().max(1.0) as usize;
        let (nx, ny) = if len > 0.0 {
            (-(b[1] - a[1]) / len, (b[0] - a[0]) / len)
        } else {
            (0.0, 0.0)
        };
        for k in 0..steps {
            let t = k as f32 / steps as f32;
            let d = travelled + t * len;
            let off =
                amplitude * ((d * 0.045 + phase).sin() + 0.4 * (d * 0.13 + 2.0 * phase).sin());
            out.push([
                a[0] + t * (b[0] - a[0]) + nx * off,
                a[1] + t * (b[1] - a[1]) + ny * off,
            ]);
        }
        travelled += len;
    }
    if let Some(last) = pts.last() {
        out.push(*last);
    }
    out
}

fn street(c: &mut Canvas, pts: &[[f32; 2]], width: f32, phase: f32) {
    c.stroke(ROAD, &wobble(pts, 0.8, phase), width);
}

/// A river crossing north to south, downtown on the east bank inside a
/// mid-rise ring, a park and housing on the west bank, streets with two
/// bridges.
fn riverside() -> RgbImage {
    let [water, park, down, mid, res] = colours();
    let mut c = Canvas::new();
    c.rect(res, 8.0, 12.0, 78.0, 118.0);
    c.rect(res, 150.0, 178.0, 250.0, 250.0);
    c.polygon(
        mid,
        &wobble(
            &[
                [146.0, 48.0],
                [242.0, 44.0],
                [244.0, 160.0],
                [150.0, 166.0],
                [146.0, 48.0],
            ],
            1.0,
            0.3,
        ),
    );
    c.polygon(
        down,
        &wobble(
            &[
                [165.0, 72.0],
                [218.0, 70.0],
                [220.0, 128.0],
                [167.0, 130.0],
                [165.0, 72.0],
            ],
            1.0,
            1.1,
        ),
    );
    c.ellipse(park, 48.0, 182.0, 36.0, 28.0);
    let river: Vec<[f32; 2]> = (0..=32)
        .map(|k| k as f32 * 8.5 - 8.0)
        .map(|y| [108.0 + 26.0 * (y / SIZE as f32 * TAU * 0.8).sin(), y])
        .collect();
    c.stroke(water, &river, 24.0);
    // Streets: two crossings of the river (bridges), a grid east, a street west.
    street(&mut c, &[[0.0, 140.0], [256.0, 140.0]], 5.0, 0.0);
    street(&mut c, &[[0.0, 36.0], [256.0, 36.0]], 3.5, 1.0);
    street(&mut c, &[[180.0, 14.0], [180.0, 252.0]], 3.5, 2.0);
    street(&mut c, &[[226.0, 14.0], [226.0, 252.0]], 3.5, 3.0);
    street(&mut c, &[[150.0, 205.0], [256.0, 205.0]], 3.5, 4.0);
    street(
        &mut c,
        &[[42.0, 0.0], [42.0, 146.0], [30.0, 256.0]],
        3.5,
        5.0,
    );
    street(&mut c, &[[150.0, 90.0], [240.0, 90.0]], 3.0, 6.0);
    c.finish()
}

/// A coast along the south-east with industrial docks on piers, a
/// promenade park, housing inland and a coastal road.
fn harbour() -> RgbImage {
    let [water, park, _down, mid, res] = colours();
    let ind = drawing_colour(SketchCell::Industrial);
    let coast = |x: f32| 205.0 - 0.45 * x + 6.0 * (x * 0.05).sin();
    let mut c = Canvas::new();
    c.rect(res, 0.0, 0.0, 256.0, 200.0);
    c.polygon(
        mid,
        &[[20.0, 20.0], [90.0, 18.0], [92.0, 70.0], [22.0, 74.0]],
    );
    // Docks: the industrial band along the eastern coast.
    let mut band: Vec<[f32; 2]> = (0..=20)
        .map(|k| 120.0 + k as f32 * 7.0)
        .map(|x| [x, coast(x) - 34.0])
        .collect();
    band.extend(
        (0..=20)
            .rev()
            .map(|k| 120.0 + k as f32 * 7.0)
            .map(|x| [x, coast(x) + 2.0]),
    );
    c.polygon(ind, &band);
    // The sea below the coastline.
    let mut sea: Vec<[f32; 2]> = (0..=32)
        .map(|k| k as f32 * 8.0)
        .map(|x| [x, coast(x)])
        .collect();
    sea.extend([[256.0, 256.0], [0.0, 256.0]]);
    c.polygon(water, &sea);
    // Piers jutting into the sea.
    for x in [140.0, 172.0, 204.0, 236.0] {
        let y = coast(x + 6.0);
        c.polygon(
            ind,
            &[
                [x, y - 4.0],
                [x + 12.0, y - 4.0],
                [x + 14.0, y + 34.0],
                [x + 2.0, y + 34.0],
            ],
        );
    }
    // Promenade park along the western shore.
    let mut prom: Vec<[f32; 2]> = (0..=14)
        .map(|k| k as f32 * 8.0)
        .map(|x| [x, coast(x) - 12.0])
        .collect();
    prom.extend(
        (0..=14)
            .rev()
            .map(|k| k as f32 * 8.0)
            .map(|x| [x, coast(x) + 1.0]),
    );
    c.polygon(park, &prom);
    // Coastal road, dock road along the piers, and streets inland.
    let coastal: Vec<[f32; 2]> = (0..=32)
        .map(|k| k as f32 * 8.0)
        .map(|x| [x, coast(x) - 16.0])
        .collect();
    street(&mut c, &coastal, 4.5, 0.0);
    street(&mut c, &[[0.0, 100.0], [184.0, 96.0]], 3.5, 1.0);
    street(&mut c, &[[0.0, 40.0], [256.0, 44.0]], 3.5, 2.0);
    for (i, x) in [56.0f32, 120.0, 184.0, 236.0].into_iter().enumerate() {
        street(
            &mut c,
            &[[x, 0.0], [x + 2.0, coast(x + 2.0) - 16.0]],
            3.5,
            3.0 + i as f32,
        );
    }
    c.finish()
}

/// A ring road with radial streets, a mid-rise centre with a small
/// downtown core, housing around, a park and a pond.
fn ring_town() -> RgbImage {
    let [water, park, down, mid, res] = colours();
    let mut c = Canvas::new();
    let (cx, cy) = (128.0f32, 128.0f32);
    c.ellipse(res, cx, cy, 122.0, 122.0);
    c.ellipse(mid, cx, cy, 62.0, 60.0);
    c.ellipse(down, cx, cy, 20.0, 20.0);
    c.ellipse(park, 186.0, 62.0, 16.0, 14.0);
    c.ellipse(water, 36.0, 222.0, 24.0, 18.0);
    let circle = |r: f32| -> Vec<[f32; 2]> {
        (0..=72)
            .map(|k| k as f32 / 72.0 * TAU)
            .map(|a| [cx + r * a.cos(), cy + r * a.sin()])
            .collect()
    };
    c.stroke(ROAD, &wobble(&circle(92.0), 0.8, 0.0), 4.5);
    c.stroke(ROAD, &circle(32.0), 3.0);
    for k in 0..8 {
        let a = (k as f32 + 0.25) / 8.0 * TAU;
        let (dx, dy) = (a.cos(), a.sin());
        let reach = 182.0;
        street(
            &mut c,
            &[
                [cx + 32.0 * dx, cy + 32.0 * dy],
                [cx + reach * dx, cy + reach * dy],
            ],
            3.5,
            k as f32,
        );
    }
    c.finish()
}

/// Water, park, downtown, mid-rise and residential drawing colours.
fn colours() -> [[u8; 3]; 5] {
    [
        drawing_colour(SketchCell::Water),
        drawing_colour(SketchCell::Park),
        drawing_colour(SketchCell::Downtown),
        drawing_colour(SketchCell::Midrise),
        drawing_colour(SketchCell::Residential),
    ]
}

/// The sample sketches, by file stem.
pub fn samples() -> [(&'static str, RgbImage); 3] {
    [
        ("riverside", riverside()),
        ("harbour", harbour()),
        ("ring_town", ring_town()),
    ]
}

/// `img` as the JPEG sample is written (quality 75).
pub fn jpeg(img: &RgbImage) -> Result<Vec<u8>, image::ImageError> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 75).encode_image(img)?;
    Ok(out)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args_os().nth(1).map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../assets/sketches"),
        PathBuf::from,
    );
    std::fs::create_dir_all(&out)?;
    let samples = samples();
    for (name, img) in &samples {
        let path = out.join(format!("{name}.png"));
        img.save_with_format(&path, ImageFormat::Png)?;
        println!("wrote {}", path.display());
    }
    let path = out.join("riverside.jpg");
    std::fs::write(&path, jpeg(&samples[0].1)?)?;
    println!("wrote {}", path.display());
    Ok(())
}
