//! What a sketch puts on the ground, read the way a person reads a map.
//!
//! Two rules turn drawn cells into ground:
//! - **Roads drawn across water are bridges.** Road ink hides what lies
//!   under it, so a road cell with water on both sides of its stroke is
//!   water, and the street over it is built as a bridge deck.
//! - **Water that reaches the border flows on.** Past the sketch's edge a
//!   drawn river continues as a channel as wide as where it crossed the
//!   edge, meandering away from it, so the procedural world around a sketch
//!   does not dam its rivers at the frame.

use super::noise::{NoiseCache, smoothstep, value2};
use sprawl_world::{SketchCell, SketchLayout};

/// Longest run of road cells looked through to find what lies beneath a
/// road (cells): wider than any drawn stroke, narrower than a block.
const MAX_STROKE: i64 = 12;

/// How far a continued river swings sideways (metres).
const MEANDER: f64 = 110.0;
/// Length of one meander (metres along the flow).
const MEANDER_WAVELENGTH: f64 = 420.0;
/// Distance from the border over which the swing grows from none (metres).
const MEANDER_START: f64 = 160.0;

/// The ground cell at `(col, row)`: the drawn cell, except that road ink
/// over water reads as water. `None` off the sketch.
pub fn ground_cell(s: &SketchLayout, col: i64, row: i64) -> Option<SketchCell> {
    let cell = s.cell(col, row)?;
    if cell != SketchCell::Road {
        return Some(cell);
    }
    // Across the stroke in any of four directions (diagonal roads too).
    let bridged = [(1, 0), (0, 1), (1, 1), (1, -1)]
        .into_iter()
        .any(|(dc, dr)| {
            beside(s, col, row, dc, dr) == Some(SketchCell::Water)
                && beside(s, col, row, -dc, -dr) == Some(SketchCell::Water)
        });
    Some(if bridged {
        SketchCell::Water
    } else {
        SketchCell::Road
    })
}

/// The first cell that is not road ink walking from `(col, row)` by
/// `(dc, dr)`, within [`MAX_STROKE`] steps and on the sketch.
fn beside(s: &SketchLayout, col: i64, row: i64, dc: i64, dr: i64) -> Option<SketchCell> {
    (1..=MAX_STROKE)
        .map(|k| s.cell(col + k * dc, row + k * dr))
        .take_while(Option::is_some)
        .flatten()
        .find(|c| *c != SketchCell::Road)
}

/// Whether world `(x, z)` (metres), off the sketch, lies in the
/// continuation of water drawn up to the sketch's border.
///
/// Each side is checked on its own: water in the side's border cells runs
/// straight out from it, swinging sideways as it goes (the swing depends on
/// the distance out, so a channel keeps its drawn width), and may swing on
/// past the corners.
pub fn water_beyond(s: &SketchLayout, cache: &mut NoiseCache, seed: u64, x: f64, z: f64) -> bool {
    let r = s.region();
    let (x0, z0, x1, z1) = (
        f64::from(r.x0),
        f64::from(r.z0),
        f64::from(r.x1),
        f64::from(r.z1),
    );
    let (last_col, last_row) = (i64::from(s.width) - 1, i64::from(s.height) - 1);
    // (side, distance out from its border line, position along it)
    let sides = [
        (0u64, z0 - z, x),
        (1, z - z1, x),
        (2, x0 - x, z),
        (3, x - x1, z),
    ];
    sides
        .into_iter()
        .filter(|(_, out, _)| *out > 0.0)
        .any(|(side, out, along)| {
            let salt = seed ^ 0xd7a3_0000 ^ side;
            let swing = (value2(cache, salt, out / MEANDER_WAVELENGTH, 0.5)
                - value2(cache, salt, 0.0, 0.5))
                * MEANDER
                * smoothstep(0.0, MEANDER_START, out);
            let at = (along - swing) as f32;
            let (col, row) = match side {
                0 => (s.cell_index(at, r.z0).0, 0),
                1 => (s.cell_index(at, r.z0).0, last_row),
                2 => (0, s.cell_index(r.x0, at).1),
                _ => (last_col, s.cell_index(r.x0, at).1),
            };
            ground_cell(s, col, row) == Some(SketchCell::Water)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::city::noise::with_cache;

    /// A 20×10 sketch at 4 m per cell: a river three cells wide running
    /// north–south at columns 5..8 from border to border, a road across it
    /// on row 4, and residential land elsewhere.
    fn river_map() -> SketchLayout {
        let (w, h) = (20u32, 10u32);
        let mut cells = vec![SketchCell::Residential; (w * h) as usize];
        for row in 0..h {
            for col in 5..8 {
                cells[(row * w + col) as usize] = SketchCell::Water;
            }
        }
        for col in 0..w {
            cells[(4 * w + col) as usize] = SketchCell::Road;
        }
        SketchLayout {
            origin: [0.0, 0.0],
            metres_per_pixel: 4.0,
            width: w,
            height: h,
            cells,
            roads: vec![],
        }
    }

    #[test]
    fn road_over_water_is_water_road_over_land_is_road() {
        let s = river_map();
        assert_eq!(ground_cell(&s, 6, 4), Some(SketchCell::Water));
        assert_eq!(ground_cell(&s, 12, 4), Some(SketchCell::Road));
        // Road cell at the bank: water on one side only.
        let mut bank = s.clone();
        bank.cells[(3 * 20 + 8) as usize] = SketchCell::Road;
        assert_eq!(ground_cell(&bank, 8, 3), Some(SketchCell::Road));
        assert_eq!(ground_cell(&s, 20, 4), None);
        assert_eq!(ground_cell(&s, -1, 4), None);
    }

    #[test]
    fn a_road_along_the_edge_does_not_see_water_off_the_sketch() {
        let mut s = river_map();
        // A road down column 0, water in column 1: off the sketch is not water.
        for row in 0..10 {
            s.cells[(row * 20) as usize] = SketchCell::Road;
            s.cells[(row * 20 + 1) as usize] = SketchCell::Water;
        }
        assert_eq!(ground_cell(&s, 0, 2), Some(SketchCell::Road));
    }

    #[test]
    fn water_at_the_border_flows_on_and_land_does_not() {
        let s = river_map();
        with_cache(|c| {
            // Just north and south of the river's ends.
            assert!(water_beyond(&s, c, 1, 26.0, -1.0));
            assert!(water_beyond(&s, c, 1, 26.0, 41.0));
            // Beside the river's ends: land.
            assert!(!water_beyond(&s, c, 1, 60.0, -1.0));
            // West and east sides have no water at the border.
            assert!(!water_beyond(&s, c, 1, -1.0, 20.0));
            assert!(!water_beyond(&s, c, 1, 81.0, 20.0));
            // Corner quadrants continue water only where a river swings into them.
            assert!(!water_beyond(&s, c, 1, -1.0, -1.0));
            // Inside the sketch is not "beyond".
            assert!(!water_beyond(&s, c, 1, 26.0, 20.0));
        });
    }

    #[test]
    fn the_continued_river_keeps_its_width_and_meanders() {
        let s = river_map();
        with_cache(|c| {
            let mut centres = Vec::new();
            for out in [1.0, 400.0, 800.0, 1600.0] {
                let z = -out;
                let wet: Vec<f64> = (-1000..1000)
                    .map(|x| f64::from(x) * 0.5 + 26.0)
                    .filter(|x| water_beyond(&s, c, 1, *x, z))
                    .collect();
                let (lo, hi) = (wet[0], wet[wet.len() - 1]);
                // 12 m wide (3 cells) wherever it is.
                assert!((hi - lo - 11.5).abs() <= 1.0, "width {} at {out}", hi - lo);
                centres.push((lo + hi) / 2.0);
            }
            assert!((centres[0] - 26.0).abs() < 1.0, "starts where drawn");
            let moved = centres.iter().any(|c| (c - centres[0]).abs() > 10.0);
            assert!(moved, "never meanders: {centres:?}");
        });
    }
}
