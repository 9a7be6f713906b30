//! Where a radial city's centres are: the main one at the origin, and a
//! smaller town centre jittered within each cell of a lattice
//! [`CENTRE_SPACING`] apart. The street network draws avenues and rings
//! around them; the districts gather downtown around them.

use super::noise::{hash_key, unit_n};
use glam::DVec2;

/// Ring radii around the main centre at the origin (metres); its avenues
/// run out to the last.
pub const MAIN_RINGS: [f64; 3] = [380.0, 860.0, 1500.0];
/// Spacing of radial centres (metres): besides the main one, each cell of a
/// lattice this far apart holds a town centre, at least half of it from the
/// next, so a radial city goes on as a chain of towns.
pub const CENTRE_SPACING: f64 = 3600.0;

const TAG_CENTRE: u64 = 10;

/// One centre's place and size.
#[derive(Debug, Clone, Copy)]
pub struct Site {
    /// Where it is (world metres, `x, z`).
    pub at: DVec2,
    /// Radius of its outer ring (metres): 1,500 for the main centre, 645 to
    /// 950 for a town.
    pub reach: f64,
    /// Its hash (the spec's seed for the main centre), for its other traits.
    pub hash: u64,
    /// Whether it is the main centre.
    pub main: bool,
}

/// The centre of lattice cell `(i, j)`.
pub fn site(seed: u64, i: i64, j: i64) -> Site {
    if (i, j) == (0, 0) {
        return Site {
            at: DVec2::ZERO,
            reach: MAIN_RINGS[2],
            hash: seed,
            main: true,
        };
    }
    let h = hash_key(seed, TAG_CENTRE, i, j);
    let jitter = |k| (unit_n(h, k) - 0.5) * 0.5 * CENTRE_SPACING;
    Site {
        at: DVec2::new(
            i as f64 * CENTRE_SPACING + jitter(1),
            j as f64 * CENTRE_SPACING + jitter(2),
        ),
        reach: MAIN_RINGS[1] * town_scale(h),
        hash: h,
        main: false,
    }
}

/// Size of a town centre with hash `h` against the main one's inner rings.
pub fn town_scale(h: u64) -> f64 {
    0.75 + 0.35 * unit_n(h, 3)
}

/// The lattice cells whose centres may lie within `reach` metres (plus
/// the jitter) of the rectangle `x0..x1, z0..z1`.
pub fn cells_near(x0: f64, z0: f64, x1: f64, z1: f64, reach: f64) -> Vec<(i64, i64)> {
    let cell = |v: f64| (v / CENTRE_SPACING).round() as i64;
    (cell(z0 - reach)..=cell(z1 + reach))
        .flat_map(|j| (cell(x0 - reach)..=cell(x1 + reach)).map(move |i| (i, j)))
        .collect()
}

/// How central a point is, in `0..=1`: 1 at a centre, falling off over
/// about its outer ring's radius (the main centre's 1.5 km for every
/// centre when `towns` is false, as in cities without a radial pattern).
pub fn centrality(seed: u64, p: DVec2, towns: bool) -> f64 {
    let of = |s: Site| (-(s.at.distance(p) / s.reach).powi(2)).exp();
    let main = of(site(seed, 0, 0));
    if !towns {
        return main;
    }
    cells_near(p.x, p.y, p.x, p.y, MAIN_RINGS[2])
        .into_iter()
        .filter(|c| *c != (0, 0))
        .map(|(i, j)| of(site(seed, i, j)))
        .fold(main, f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn centrality_peaks_at_centres_and_fades_between() {
        let seed = 7;
        assert!((centrality(seed, DVec2::ZERO, true) - 1.0).abs() < 1e-12);
        let town = site(seed, 1, 0);
        assert!(!town.main && (645.0..=950.0).contains(&town.reach));
        assert!(centrality(seed, town.at, true) > 0.999);
        // Without towns only the origin counts.
        assert!(centrality(seed, town.at, false) < 0.1);
        // Halfway between two town centres it is low.
        let mid = (site(seed, 1, 1).at + site(seed, 2, 1).at) * 0.5;
        assert!(centrality(seed, mid, true) < 0.5);
    }
}
