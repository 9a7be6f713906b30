//! The colour legend and the per-pixel classification with its clean-up
//! (speckles, anti-aliasing fringes, holes in road strokes).

use sprawl_world::SketchCell;
use sprawl_world::SketchCell as C;

/// One reference colour of the sketch legend.
///
/// A pixel takes the meaning of the nearest reference colour (Euclidean
/// distance in 8-bit RGB) among those it lies within `tolerance` of; a pixel
/// within no reference's tolerance matches no legend colour and is left
/// unspecified.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LegendColour {
    /// Human name of the colour.
    pub name: &'static str,
    /// Reference colour, 8-bit sRGB.
    pub rgb: [u8; 3],
    /// What the colour means: [`SketchCell::Unspecified`] for paper,
    /// [`SketchCell::Road`] for dark road ink.
    pub cell: SketchCell,
    /// Largest RGB distance at which a pixel still matches this colour.
    pub tolerance: f32,
}

const PAPER_TOL: f32 = 60.0;
const INK_TOL: f32 = 80.0;
const COLOUR_TOL: f32 = 100.0;

const fn entry(name: &'static str, rgb: [u8; 3], cell: SketchCell, tolerance: f32) -> LegendColour {
    LegendColour {
        name,
        rgb,
        cell,
        tolerance,
    }
}

/// The sketch legend. For each meaning the first entry is the recommended
/// drawing colour (see [`drawing_colour`]); the others accept common
/// variants (pure "paint program" colours and light tints).
pub const LEGEND: &[LegendColour] = &[
    entry("white paper", [255, 255, 255], C::Unspecified, PAPER_TOL),
    entry(
        "off-white paper",
        [232, 232, 232],
        C::Unspecified,
        PAPER_TOL,
    ),
    entry(
        "light grey paper",
        [209, 209, 209],
        C::Unspecified,
        PAPER_TOL,
    ),
    entry("grey paper", [186, 186, 186], C::Unspecified, PAPER_TOL),
    entry("pencil grey", [163, 163, 163], C::Unspecified, PAPER_TOL),
    entry("mid grey", [140, 140, 140], C::Unspecified, PAPER_TOL),
    entry("black", [0, 0, 0], C::Road, INK_TOL),
    entry("dark grey", [70, 70, 70], C::Road, INK_TOL),
    entry("blue", [40, 110, 220], C::Water, COLOUR_TOL),
    entry("pure blue", [0, 0, 255], C::Water, COLOUR_TOL),
    entry("cyan", [0, 190, 240], C::Water, COLOUR_TOL),
    entry("light blue", [150, 190, 240], C::Water, COLOUR_TOL),
    entry("green", [60, 160, 60], C::Park, COLOUR_TOL),
    entry("pure green", [0, 128, 0], C::Park, COLOUR_TOL),
    entry("lime", [0, 255, 0], C::Park, COLOUR_TOL),
    entry("light green", [160, 215, 150], C::Park, COLOUR_TOL),
    entry("red", [215, 40, 40], C::Downtown, COLOUR_TOL),
    entry("pure red", [255, 0, 0], C::Downtown, COLOUR_TOL),
    entry("pink", [240, 150, 150], C::Downtown, COLOUR_TOL),
    entry("orange", [245, 140, 30], C::Midrise, COLOUR_TOL),
    entry("pure orange", [255, 128, 0], C::Midrise, COLOUR_TOL),
    entry("light orange", [250, 195, 140], C::Midrise, COLOUR_TOL),
    entry("yellow", [240, 210, 40], C::Residential, COLOUR_TOL),
    entry("pure yellow", [255, 255, 0], C::Residential, COLOUR_TOL),
    entry("light yellow", [250, 235, 150], C::Residential, COLOUR_TOL),
    entry("purple", [140, 60, 180], C::Industrial, COLOUR_TOL),
    entry("pure purple", [128, 0, 128], C::Industrial, COLOUR_TOL),
    entry("violet", [170, 110, 210], C::Industrial, COLOUR_TOL),
];

/// The recommended colour to draw `cell` with (the first legend entry with
/// that meaning). `Unspecified` is white paper, `Road` is black.
pub fn drawing_colour(cell: SketchCell) -> [u8; 3] {
    LEGEND
        .iter()
        .find(|e| e.cell == cell)
        .map_or([255, 255, 255], |e| e.rgb)
}

/// The nearest legend entry among those whose tolerance `rgb` lies within
/// (the first in [`LEGEND`] order on a tie).
pub fn nearest_legend_colour(rgb: [u8; 3]) -> Option<&'static LegendColour> {
    let mut best: Option<(&LegendColour, f32)> = None;
    for e in LEGEND {
        let d2: i32 = (0..3)
            .map(|i| (i32::from(rgb[i]) - i32::from(e.rgb[i])).pow(2))
            .sum();
        let d2 = d2 as f32;
        if d2 <= e.tolerance * e.tolerance && best.is_none_or(|(_, bd)| d2 < bd) {
            best = Some((e, d2));
        }
    }
    best.map(|(e, _)| e)
}

/// What one pixel colour means on its own, before any clean-up: `None` when
/// it matches no legend colour. Paper gives `Some(Unspecified)`, road ink
/// `Some(Road)`.
pub fn classify_colour(rgb: [u8; 3]) -> Option<SketchCell> {
    nearest_legend_colour(rgb).map(|e| e.cell)
}

// Internal pixel classes (u8 grid).
pub(crate) const PAPER: u8 = 0;
pub(crate) const UNKNOWN: u8 = 1;
pub(crate) const INK: u8 = 2;
const FIRST_AREA: u8 = 3;
const AREAS: [SketchCell; 6] = [
    SketchCell::Water,
    SketchCell::Park,
    SketchCell::Downtown,
    SketchCell::Midrise,
    SketchCell::Residential,
    SketchCell::Industrial,
];
const CLASSES: usize = FIRST_AREA as usize + AREAS.len();
const UNASSIGNED: u8 = u8::MAX;

/// Ink (road) components smaller than this (8-connected pixels) are noise.
pub(crate) const MIN_INK_COMPONENT: usize = 6;
/// Non-ink gaps inside road strokes smaller than this are filled.
pub(crate) const MAX_INK_HOLE: usize = 6;
/// Area pixels with fewer same-class 8-neighbours than this are fringe.
pub(crate) const MIN_SUPPORT: u32 = 3;
/// Most rounds of the fringe filter.
const SUPPORT_PASSES: usize = 6;
/// Area components smaller than this (4-connected pixels) are noise.
pub(crate) const MIN_AREA_COMPONENT: usize = 9;
/// Passes that re-grow cleared noise from the surrounding classes.
const FILL_PASSES: usize = 4;

fn class_of(rgb: [u8; 3]) -> u8 {
    match classify_colour(rgb) {
        None => UNKNOWN,
        Some(SketchCell::Unspecified) => PAPER,
        Some(SketchCell::Road) => INK,
        Some(cell) => AREAS
            .iter()
            .position(|c| *c == cell)
            .map_or(UNKNOWN, |i| FIRST_AREA + i as u8),
    }
}

/// The sketch cell of an internal class.
pub(crate) fn cell_of_class(class: u8) -> SketchCell {
    match class {
        INK => SketchCell::Road,
        c if (FIRST_AREA..CLASSES as u8).contains(&c) => AREAS[usize::from(c - FIRST_AREA)],
        _ => SketchCell::Unspecified,
    }
}

/// Classifies every pixel of an RGBA image (composited over white paper).
pub(crate) fn classify_pixels(rgba: &[u8]) -> Vec<u8> {
    rgba.chunks_exact(4)
        .map(|p| class_of(over_white(p)))
        .collect()
}

/// A pixel composited over white paper.
pub(crate) fn over_white(p: &[u8]) -> [u8; 3] {
    let a = u32::from(p[3]);
    let mix = |c: u8| ((u32::from(c) * a + 255 * (255 - a) + 127) / 255) as u8;
    [mix(p[0]), mix(p[1]), mix(p[2])]
}

/// A row-major grid of `w × h` cells.
#[derive(Clone, Copy)]
pub(crate) struct Dims {
    pub w: usize,
    pub h: usize,
}

impl Dims {
    /// Indices of the in-bounds neighbours of `i` (4- or 8-connected).
    pub fn neighbours(self, i: usize, eight: bool, out: &mut Vec<usize>) {
        out.clear();
        let (x, y) = (i % self.w, i / self.w);
        for (dx, dy) in [
            (0i32, -1i32),
            (1, 0),
            (0, 1),
            (-1, 0),
            (1, -1),
            (1, 1),
            (-1, 1),
            (-1, -1),
        ]
        .into_iter()
        .take(if eight { 8 } else { 4 })
        {
            let nx = x as i64 + i64::from(dx);
            let ny = y as i64 + i64::from(dy);
            if nx >= 0 && ny >= 0 && (nx as usize) < self.w && (ny as usize) < self.h {
                out.push(ny as usize * self.w + nx as usize);
            }
        }
    }

    fn on_border(self, i: usize) -> bool {
        let (x, y) = (i % self.w, i / self.w);
        x == 0 || y == 0 || x + 1 == self.w || y + 1 == self.h
    }
}

/// Calls `f(pixels)` for every maximal connected set of pixels for which
/// `key` gives the same `Some` value.
fn for_each_component(
    dims: Dims,
    key: impl Fn(usize) -> Option<u8>,
    eight: bool,
    mut f: impl FnMut(&[usize]),
) {
    let mut seen = vec![false; dims.w * dims.h];
    let mut stack = Vec::new();
    let mut comp = Vec::new();
    let mut nb = Vec::with_capacity(8);
    for start in 0..seen.len() {
        if seen[start] {
            continue;
        }
        let Some(k) = key(start) else { continue };
        seen[start] = true;
        comp.clear();
        stack.push(start);
        while let Some(i) = stack.pop() {
            comp.push(i);
            dims.neighbours(i, eight, &mut nb);
            for &n in &nb {
                if !seen[n] && key(n) == Some(k) {
                    seen[n] = true;
                    stack.push(n);
                }
            }
        }
        f(&comp);
    }
}

/// Cleans a classified grid in place: drops ink speckles, fills pin-holes
/// in road strokes, clears area speckles and one-pixel fringes (JPEG noise,
/// anti-aliasing between colours) and re-grows the cleared pixels from the
/// surrounding areas. Afterwards no pixel is `UNASSIGNED`. Returns how
/// many pixels changed meaning (a measure of how noisy the picture is).
pub(crate) fn clean(cls: &mut [u8], dims: Dims) -> usize {
    let initial = cls.to_vec();
    // 1. Ink speckles.
    let mut clear = Vec::new();
    for_each_component(
        dims,
        |i| (cls[i] == INK).then_some(1),
        true,
        |c| {
            if c.len() < MIN_INK_COMPONENT {
                clear.extend_from_slice(c);
            }
        },
    );
    for i in clear.drain(..) {
        cls[i] = UNASSIGNED;
    }
    // 2. Pin-holes inside road strokes.
    let mut fill = Vec::new();
    for_each_component(
        dims,
        |i| (cls[i] != INK).then_some(1),
        false,
        |c| {
            if c.len() < MAX_INK_HOLE && !c.iter().any(|&i| dims.on_border(i)) {
                fill.extend_from_slice(c);
            }
        },
    );
    for i in fill {
        cls[i] = INK;
    }
    // 3. One-pixel fringes: area pixels with too few like neighbours,
    //    repeated so that ragged noise clumps erode away while solid
    //    areas (at least 2 pixels thick) are stable.
    let mut nb = Vec::with_capacity(8);
    for _ in 0..SUPPORT_PASSES {
        let snapshot = cls.to_vec();
        let mut changed = false;
        for (i, c) in cls.iter_mut().enumerate() {
            if *c == INK || *c == UNASSIGNED {
                continue;
            }
            dims.neighbours(i, true, &mut nb);
            let support = nb.iter().filter(|&&n| snapshot[n] == *c).count() as u32;
            if support < MIN_SUPPORT {
                *c = UNASSIGNED;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    // 4. Area speckles.
    for_each_component(
        dims,
        |i| (cls[i] != INK && cls[i] != UNASSIGNED).then_some(cls[i]),
        false,
        |c| {
            if c.len() < MIN_AREA_COMPONENT {
                clear.extend_from_slice(c);
            }
        },
    );
    for i in clear.drain(..) {
        cls[i] = UNASSIGNED;
    }
    // 5. Re-grow cleared pixels from their assigned, non-ink neighbours.
    for _ in 0..FILL_PASSES {
        let snapshot = cls.to_vec();
        let mut changed = false;
        for (i, c) in cls.iter_mut().enumerate() {
            if *c != UNASSIGNED {
                continue;
            }
            let mut votes = [0u8; CLASSES];
            dims.neighbours(i, true, &mut nb);
            for &n in &nb {
                let v = snapshot[n];
                if v != UNASSIGNED && v != INK {
                    votes[usize::from(v)] += 1;
                }
            }
            let mut best = (0u8, UNASSIGNED);
            for (k, &v) in votes.iter().enumerate() {
                if v > best.0 {
                    best = (v, k as u8);
                }
            }
            if best.1 != UNASSIGNED {
                *c = best.1;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    for c in cls.iter_mut() {
        if *c == UNASSIGNED {
            *c = PAPER;
        }
    }
    initial
        .iter()
        .zip(cls.iter())
        .filter(|(a, b)| cell_of_class(**a) != cell_of_class(**b))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greys_are_paper_or_ink() {
        for v in 0..=255u8 {
            let want = if v <= 105 {
                SketchCell::Road
            } else {
                SketchCell::Unspecified
            };
            assert_eq!(classify_colour([v, v, v]), Some(want), "grey {v}");
        }
    }

    #[test]
    fn near_greys_are_never_areas() {
        for v in (0..=255u8).step_by(3) {
            for tint in [
                [8, 0, 0],
                [0, 8, 0],
                [0, 0, 8],
                [8, 8, 0],
                [0, 8, 8],
                [8, 0, 8],
            ] {
                let rgb = [0, 1, 2].map(|i| v.saturating_add(tint[i]).saturating_sub(4));
                let cell = classify_colour(rgb);
                assert!(
                    matches!(cell, Some(SketchCell::Unspecified | SketchCell::Road)),
                    "{rgb:?} → {cell:?}"
                );
            }
        }
    }

    #[test]
    fn drawing_colours_classify_as_themselves() {
        for cell in [
            SketchCell::Unspecified,
            SketchCell::Road,
            SketchCell::Water,
            SketchCell::Park,
            SketchCell::Downtown,
            SketchCell::Midrise,
            SketchCell::Residential,
            SketchCell::Industrial,
        ] {
            assert_eq!(
                classify_colour(drawing_colour(cell)),
                Some(cell),
                "{cell:?}"
            );
        }
        for e in LEGEND {
            assert_eq!(classify_colour(e.rgb), Some(e.cell), "{}", e.name);
        }
    }

    #[test]
    fn off_legend_colours_are_unknown() {
        assert_eq!(classify_colour([255, 0, 255]), None, "magenta");
        assert_eq!(
            classify_colour([128, 128, 128]),
            Some(SketchCell::Unspecified),
            "pencil"
        );
        assert_eq!(classify_colour([255, 0, 160]), None, "hot pink");
    }

    #[test]
    fn noisy_colours_still_classify() {
        assert_eq!(classify_colour([30, 30, 40]), Some(SketchCell::Road));
        assert_eq!(
            classify_colour([245, 250, 240]),
            Some(SketchCell::Unspecified)
        );
        assert_eq!(classify_colour([60, 120, 200]), Some(SketchCell::Water));
        assert_eq!(classify_colour([80, 150, 90]), Some(SketchCell::Park));
    }

    #[test]
    fn cleaning_removes_speckles_and_fringes() {
        let dims = Dims { w: 10, h: 10 };
        let water = FIRST_AREA;
        let park = FIRST_AREA + 1;
        let mut cls = vec![water; 100];
        cls[55] = park; // a lone speckle
        for y in 0..10 {
            cls[y * 10 + 2] = UNKNOWN; // a one-pixel fringe line
        }
        clean(&mut cls, dims);
        assert!(cls.iter().all(|&c| c == water), "{cls:?}");
    }
}
