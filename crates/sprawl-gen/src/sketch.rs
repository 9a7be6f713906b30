//! Sketch interpreter: a map drawn by a person (PNG or JPEG) →
//! [`SketchLayout`].
//!
//! Every pixel becomes one layout cell of [`SketchOptions::metres_per_pixel`]
//! metres; dark strokes are traced into road centrelines. The full legend,
//! with drawing tips, is in `docs/sketch-legend.md`.
//!
//! # Legend
//!
//! A pixel (composited over white where it is transparent) takes the
//! meaning of the **nearest reference colour** (Euclidean distance in 8-bit
//! RGB) among those whose tolerance it lies within; a pixel farther than
//! the tolerance from every reference matches nothing and is left
//! unspecified. The first colour of each row is the one to draw with
//! ([`drawing_colour`]); the others accept common variants.
//!
//! | Meaning | Cell | Reference RGB | Tolerance |
//! |---|---|---|---|
//! | paper: procedural decides | `Unspecified` | white (255,255,255) and neutral greys (232,232,232), (209,…), (186,…), (163,…), (140,140,140) | 60 |
//! | road (lines) | `Road` | black (0,0,0), dark grey (70,70,70) | 80 |
//! | water | `Water` | blue (40,110,220), pure blue (0,0,255), cyan (0,190,240), light blue (150,190,240) | 100 |
//! | park | `Park` | green (60,160,60), pure green (0,128,0), lime (0,255,0), light green (160,215,150) | 100 |
//! | downtown | `Downtown` | red (215,40,40), pure red (255,0,0), pink (240,150,150) | 100 |
//! | mid-rise | `Midrise` | orange (245,140,30), pure orange (255,128,0), light orange (250,195,140) | 100 |
//! | residential | `Residential` | yellow (240,210,40), pure yellow (255,255,0), light yellow (250,235,150) | 100 |
//! | industrial | `Industrial` | purple (140,60,180), pure purple (128,0,128), violet (170,110,210) | 100 |
//!
//! Greys up to 105 are road ink and lighter greys paper (so pencil guide
//! lines are ignored, and light greys never pass for a light tint). Other
//! colours (magenta, hot pink, mint, …) match nothing and are left
//! unspecified; the report warns when they cover more than 1 % of the
//! sketch.
//!
//! # Clean-up
//!
//! To be robust to JPEG noise and anti-aliasing, after classifying pixels:
//! road-ink specks under 6 pixels (8-connected) are dropped; pin-holes
//! under 6 pixels inside road strokes are filled; area pixels with fewer
//! than 3 like 8-neighbours (one-pixel fringes where two colours blend,
//! ragged noise; repeated until stable, at most 6 rounds) and area specks
//! under 9 pixels (4-connected) are cleared and re-grown from the
//! surrounding areas (never from roads). Areas should therefore be at
//! least 3 pixels across and roads at least 2 pixels wide.
//!
//! A picture is refused as [`SketchError::NothingRecognised`] when under
//! 1 % of it ([`MIN_RECOGNISED_FRACTION`]) has a meaning after clean-up, or
//! when clean-up changed over half of its pixels ([`MAX_NOISE_FRACTION`]):
//! that is noise, not a drawing.
//!
//! # Roads
//!
//! The road-ink mask is thinned to a one-pixel skeleton (topology
//! preserving, so loops such as ring roads stay closed), traced into
//! polylines split at junctions (all branches meeting at a junction share
//! its exact end point), spurs shorter than 3 pixels or one stroke width
//! are dropped, branches left meeting in pairs are joined, loose ends that
//! stop within a stroke width of the sketch edge are extended to the edge
//! (so a generator can continue them past it), and each polyline is
//! simplified with Douglas–Peucker at 1 pixel. A pixel centre `(px, py)`
//! maps to world `origin + (p + 0.5) · metres_per_pixel`; image rows grow
//! downward, which is world `+z` (south). Every road-ink cell is
//! [`SketchCell::Road`].
//!
//! ```
//! use sprawl_gen::sketch::{SketchOptions, drawing_colour, interpret_sketch};
//! use sprawl_world::SketchCell;
//!
//! // A 64×64 sketch: a lake in the west, a black road down the middle.
//! let mut img = image::RgbImage::from_pixel(64, 64, image::Rgb([255, 255, 255]));
//! for (x, _, p) in img.enumerate_pixels_mut() {
//!     if x < 20 {
//!         *p = image::Rgb(drawing_colour(SketchCell::Water));
//!     } else if (40..43).contains(&x) {
//!         *p = image::Rgb([0, 0, 0]);
//!     }
//! }
//! let mut png = Vec::new();
//! img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
//!
//! let report = interpret_sketch(&png, &SketchOptions::default()).unwrap();
//! assert_eq!(report.layout.cell_at(-100.0, 0.0), Some(SketchCell::Water));
//! assert_eq!(report.road_polylines, 1);
//! ```

mod legend;
mod roads;

pub use legend::{LEGEND, LegendColour, classify_colour, drawing_colour, nearest_legend_colour};

use image::{ImageError, ImageFormat, ImageReader, Limits};
use sprawl_world::{SketchCell, SketchLayout};
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

/// Smallest accepted sketch side (pixels).
pub const MIN_SIDE: u32 = 8;
/// Most cells a [`SketchLayout`] can store; [`SketchOptions::max_pixels`]
/// may not exceed it.
pub const MAX_CELLS: u64 = 1 << 26;
/// Share of the sketch that must be recognised (legend colours other than
/// paper, roads included) for it to count as a map.
pub const MIN_RECOGNISED_FRACTION: f32 = 0.01;

/// Largest share of pixels the clean-up may change (specks, fringes)
/// before the picture counts as noise rather than a map.
pub const MAX_NOISE_FRACTION: f32 = 0.5;

/// How to read a sketch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SketchOptions {
    /// Size of one pixel on the ground (metres); finite and positive.
    pub metres_per_pixel: f32,
    /// World `[x, z]` of the sketch's north-west corner (metres); `None`
    /// centres the sketch on the world origin.
    pub origin: Option<[f32; 2]>,
    /// Largest accepted `width × height` (checked from the image header
    /// before decoding); at most [`MAX_CELLS`].
    pub max_pixels: u64,
    /// Largest accepted encoded size (bytes).
    pub max_bytes: u64,
}

impl Default for SketchOptions {
    fn default() -> Self {
        Self {
            metres_per_pixel: 4.0,
            origin: None,
            max_pixels: 4096 * 4096,
            max_bytes: 64 << 20,
        }
    }
}

impl SketchOptions {
    fn validate(&self) -> Result<(), SketchError> {
        let mpp = self.metres_per_pixel;
        if !mpp.is_finite() || mpp <= 0.0 {
            return Err(SketchError::InvalidOptions(format!(
                "metres_per_pixel must be a finite positive number, got {mpp}"
            )));
        }
        if let Some(o) = self.origin
            && !o.iter().all(|v| v.is_finite())
        {
            return Err(SketchError::InvalidOptions(format!(
                "origin must be finite, got {o:?}"
            )));
        }
        if self.max_pixels == 0 || self.max_pixels > MAX_CELLS {
            return Err(SketchError::InvalidOptions(format!(
                "max_pixels must be between 1 and {MAX_CELLS}, got {}",
                self.max_pixels
            )));
        }
        if self.max_bytes == 0 {
            return Err(SketchError::InvalidOptions(
                "max_bytes must be positive".into(),
            ));
        }
        Ok(())
    }
}

/// How many cells of each kind a layout has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CellCounts {
    /// [`SketchCell::Unspecified`] cells.
    pub unspecified: u64,
    /// [`SketchCell::Water`] cells.
    pub water: u64,
    /// [`SketchCell::Park`] cells.
    pub park: u64,
    /// [`SketchCell::Road`] cells.
    pub road: u64,
    /// [`SketchCell::Downtown`] cells.
    pub downtown: u64,
    /// [`SketchCell::Midrise`] cells.
    pub midrise: u64,
    /// [`SketchCell::Residential`] cells.
    pub residential: u64,
    /// [`SketchCell::Industrial`] cells.
    pub industrial: u64,
}

impl CellCounts {
    /// Counts the cells of a layout.
    pub fn of(cells: &[SketchCell]) -> Self {
        let mut c = Self::default();
        for &cell in cells {
            *c.slot(cell) += 1;
        }
        c
    }

    /// The count of one kind.
    pub fn get(&self, cell: SketchCell) -> u64 {
        let mut copy = *self;
        *copy.slot(cell)
    }

    /// All cells.
    pub fn total(&self) -> u64 {
        self.unspecified
            + self.water
            + self.park
            + self.road
            + self.downtown
            + self.midrise
            + self.residential
            + self.industrial
    }

    /// Cells with a meaning (everything but `Unspecified`).
    pub fn recognised(&self) -> u64 {
        self.total() - self.unspecified
    }

    fn slot(&mut self, cell: SketchCell) -> &mut u64 {
        match cell {
            SketchCell::Unspecified => &mut self.unspecified,
            SketchCell::Water => &mut self.water,
            SketchCell::Park => &mut self.park,
            SketchCell::Road => &mut self.road,
            SketchCell::Downtown => &mut self.downtown,
            SketchCell::Midrise => &mut self.midrise,
            SketchCell::Residential => &mut self.residential,
            SketchCell::Industrial => &mut self.industrial,
        }
    }
}

/// The interpreted sketch and what was found in it.
#[derive(Debug, Clone, PartialEq)]
pub struct SketchReport {
    /// The layout to put in a [`WorldSpec`](sprawl_world::WorldSpec).
    pub layout: SketchLayout,
    /// Cells of each kind.
    pub counts: CellCounts,
    /// Number of traced road polylines (`layout.roads.len()`).
    pub road_polylines: usize,
    /// Things a person may want to fix in the drawing (none are fatal).
    pub warnings: Vec<String>,
}

/// Why a sketch could not be interpreted.
#[derive(Debug, thiserror::Error)]
pub enum SketchError {
    /// The bytes are not a PNG or JPEG image, or the image is damaged.
    #[error("not a usable PNG or JPEG image: {0}")]
    NotAnImage(String),
    /// The file or the image is larger than the options allow.
    #[error("sketch too large: {0}")]
    TooLarge(String),
    /// The image is too small to be a map.
    #[error("sketch too small: {width}×{height} pixels, at least {min}×{min} needed", min = MIN_SIDE)]
    TooSmall {
        /// Image width (pixels).
        width: u32,
        /// Image height (pixels).
        height: u32,
    },
    /// Nothing in the picture matches the legend (blank paper, colours
    /// outside the legend, noise).
    #[error("nothing recognisable in the sketch: {reason} (see docs/sketch-legend.md)")]
    NothingRecognised {
        /// Share of cells with a meaning after clean-up.
        recognised_fraction: f32,
        /// What the picture seems to be instead.
        reason: String,
    },
    /// The options are unusable.
    #[error("invalid sketch options: {0}")]
    InvalidOptions(String),
    /// The sketch file could not be read.
    #[error("cannot read sketch file {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// Reads and interprets a sketch file (PNG or JPEG). The file size is
/// checked against `options.max_bytes` before it is read.
pub fn interpret_sketch_file(
    path: impl AsRef<Path>,
    options: &SketchOptions,
) -> Result<SketchReport, SketchError> {
    let path = path.as_ref();
    options.validate()?;
    let io = |source| SketchError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if meta.is_dir() {
        return Err(io(std::io::Error::other("it is a directory")));
    }
    if meta.len() > options.max_bytes {
        return Err(too_many_bytes(meta.len(), options.max_bytes));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(options.max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    interpret_sketch(&bytes, options)
}

/// Interprets an encoded PNG or JPEG sketch. Deterministic: the same bytes
/// and options always give the same report.
pub fn interpret_sketch(
    bytes: &[u8],
    options: &SketchOptions,
) -> Result<SketchReport, SketchError> {
    options.validate()?;
    let (w, h, rgba) = decode(bytes, options)?;
    let (wu, hu) = (w as usize, h as usize);
    let mpp = options.metres_per_pixel;
    let origin = options
        .origin
        .unwrap_or([-(w as f32) * mpp / 2.0, -(h as f32) * mpp / 2.0]);
    let far = [origin[0] + w as f32 * mpp, origin[1] + h as f32 * mpp];
    if !far.iter().all(|v| v.is_finite()) {
        return Err(SketchError::InvalidOptions(format!(
            "a {w}×{h} sketch at {mpp} m per pixel from {origin:?} reaches beyond finite coordinates"
        )));
    }

    let dims = legend::Dims { w: wu, h: hu };
    let mut cls = legend::classify_pixels(&rgba);
    let changed = legend::clean(&mut cls, dims);

    let cells: Vec<SketchCell> = cls.iter().map(|&c| legend::cell_of_class(c)).collect();
    let counts = CellCounts::of(&cells);
    let total = counts.total().max(1);
    let recognised_fraction = counts.recognised() as f32 / total as f32;
    let unknown_colour = dominant_unknown_colour(&rgba, &cls);
    let noise_fraction = changed as f32 / total as f32;
    let reason = if noise_fraction > MAX_NOISE_FRACTION {
        Some(format!(
            "it looks like noise: {:.0}% of its pixels are isolated specks",
            noise_fraction * 100.0
        ))
    } else if recognised_fraction < MIN_RECOGNISED_FRACTION {
        let what = match unknown_colour {
            Some((rgb, n)) if n as f32 / total as f32 > 0.05 => {
                format!("; most of it is {}, which is not a legend colour", hex(rgb))
            }
            _ if counts.unspecified == total => "; it looks like blank paper".into(),
            _ => String::new(),
        };
        Some(format!(
            "only {:.2}% of it matches a legend colour, at least {:.0}% is needed{what}",
            recognised_fraction * 100.0,
            MIN_RECOGNISED_FRACTION * 100.0
        ))
    } else {
        None
    };
    if let Some(reason) = reason {
        return Err(SketchError::NothingRecognised {
            recognised_fraction,
            reason,
        });
    }

    let ink: Vec<bool> = cls.iter().map(|&c| c == legend::INK).collect();
    let traced = roads::trace_roads(&ink, dims);
    let roads: Vec<Vec<[f32; 2]>> = traced
        .polylines
        .iter()
        .map(|l| {
            l.iter()
                .map(|p| [origin[0] + p[0] * mpp, origin[1] + p[1] * mpp])
                .collect()
        })
        .collect();

    let mut warnings = Vec::new();
    let unknown = cls.iter().filter(|&&c| c == legend::UNKNOWN).count() as u64;
    if unknown * 100 > total {
        let example = unknown_colour
            .map(|(rgb, _)| format!(", mostly {}", hex(rgb)))
            .unwrap_or_default();
        warnings.push(format!(
            "{:.1}% of the sketch is in colours outside the legend{example}; left unspecified",
            unknown as f64 * 100.0 / total as f64
        ));
    }
    if counts.road > 0 && roads.is_empty() {
        warnings.push("dark areas were found but no road lines could be traced from them".into());
    } else if counts.road == 0 {
        warnings.push("no roads drawn (dark lines); the generator lays out all the streets".into());
    }
    if !roads.is_empty() && traced.stroke_width > 12.0 {
        warnings.push(format!(
            "road strokes are {:.0} pixels wide on average; large dark areas are traced as road centrelines",
            traced.stroke_width
        ));
    }
    if w < 32 || h < 32 {
        warnings.push(format!(
            "the sketch is only {w}×{h} pixels; details under 3 pixels are treated as noise"
        ));
    }

    let layout = SketchLayout {
        origin,
        metres_per_pixel: mpp,
        width: w,
        height: h,
        cells,
        roads,
    };
    let road_polylines = layout.roads.len();
    Ok(SketchReport {
        layout,
        counts,
        road_polylines,
        warnings,
    })
}

fn too_many_bytes(len: u64, max: u64) -> SketchError {
    SketchError::TooLarge(format!("{len} bytes, the limit is {max} bytes"))
}

fn hex(rgb: [u8; 3]) -> String {
    format!("#{:02x}{:02x}{:02x}", rgb[0], rgb[1], rgb[2])
}

/// The most common colour (to 4 bits a channel) among pixels that match no
/// legend colour, with its pixel count.
fn dominant_unknown_colour(rgba: &[u8], cls: &[u8]) -> Option<([u8; 3], u64)> {
    let mut bins = vec![0u64; 4096];
    for (p, &c) in rgba.chunks_exact(4).zip(cls) {
        if c == legend::UNKNOWN {
            let rgb = legend::over_white(p);
            bins[usize::from(rgb[0] >> 4) << 8
                | usize::from(rgb[1] >> 4) << 4
                | usize::from(rgb[2] >> 4)] += 1;
        }
    }
    let (bin, &n) = bins
        .iter()
        .enumerate()
        .max_by_key(|(i, n)| (**n, std::cmp::Reverse(*i)))?;
    (n > 0).then(|| {
        let ch = |shift: usize| (((bin >> shift) & 15) as u8) * 17;
        ([ch(8), ch(4), ch(0)], n)
    })
}

/// Describes bytes that carry no known image signature.
fn describe_non_image(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        "the input is empty".into()
    } else if bytes.starts_with(b"glTF") {
        "this is a binary glTF (GLB) model, not a picture".into()
    } else if std::str::from_utf8(&bytes[..bytes.len().min(512)]).is_ok_and(|s| !s.contains('\0')) {
        "this looks like text, not a picture".into()
    } else {
        "unknown file signature; save the sketch as PNG or JPEG".into()
    }
}

fn format_name(format: ImageFormat) -> &'static str {
    match format {
        ImageFormat::Png => "PNG",
        ImageFormat::Jpeg => "JPEG",
        _ => "image",
    }
}

fn image_error(e: ImageError, format: ImageFormat, w: u32, h: u32) -> SketchError {
    let name = format_name(format);
    match e {
        ImageError::Limits(l) => SketchError::TooLarge(format!(
            "decoding a {w}×{h} image needs too much memory: {l}"
        )),
        ImageError::Unsupported(u) => {
            SketchError::NotAnImage(format!("unsupported {name} variant: {u}"))
        }
        other => {
            SketchError::NotAnImage(format!("the {name} data is damaged or truncated: {other}"))
        }
    }
}

/// Decodes to RGBA8, checking sizes first (bytes, then the header's
/// dimensions) so that nothing large is allocated for a hostile file.
fn decode(bytes: &[u8], options: &SketchOptions) -> Result<(u32, u32, Vec<u8>), SketchError> {
    if bytes.len() as u64 > options.max_bytes {
        return Err(too_many_bytes(bytes.len() as u64, options.max_bytes));
    }
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| SketchError::NotAnImage(e.to_string()))?;
    let format = match reader.format() {
        None => return Err(SketchError::NotAnImage(describe_non_image(bytes))),
        Some(f @ (ImageFormat::Png | ImageFormat::Jpeg)) => f,
        Some(f) => {
            return Err(SketchError::NotAnImage(format!(
                "{} images are not supported; save the sketch as PNG or JPEG",
                f.extensions_str()
                    .first()
                    .map_or("these".to_string(), |e| e.to_uppercase())
            )));
        }
    };
    let (w, h) = reader
        .into_dimensions()
        .map_err(|e| image_error(e, format, 0, 0))?;
    let pixels = u64::from(w) * u64::from(h);
    if pixels > options.max_pixels {
        return Err(SketchError::TooLarge(format!(
            "{w}×{h} = {pixels} pixels, the limit is {} pixels",
            options.max_pixels
        )));
    }
    if w < MIN_SIDE || h < MIN_SIDE {
        return Err(SketchError::TooSmall {
            width: w,
            height: h,
        });
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(w);
    limits.max_image_height = Some(h);
    limits.max_alloc = Some((pixels * 16).max(64 << 20));
    reader.limits(limits);
    let img = reader
        .decode()
        .map_err(|e| image_error(e, format, w, h))?
        .into_rgba8();
    if img.width() != w || img.height() != h {
        return Err(SketchError::NotAnImage(format!(
            "the header says {w}×{h} but the image decodes to {}×{}",
            img.width(),
            img.height()
        )));
    }
    Ok((w, h, img.into_raw()))
}
