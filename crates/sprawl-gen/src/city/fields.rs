//! World-wide continuous fields: ground height, water and districts.
//!
//! Each is a pure function of a world position (metres), never of the
//! chunk being generated, which is what makes terrain, rivers, coasts and
//! districts continue across chunk edges without seams.

use super::centres;
use super::drawn;
use super::noise::{NoiseCache, fbm, hash2, lerp, smoothstep, unit, unit_n, value2, with_cache};
use glam::DVec2;
use sprawl_world::{DistrictKind, SketchCell, SketchLayout, StreetPattern, TerrainKind, WorldSpec};

/// What kind of water a point is in, for deciding bridges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaterKind {
    /// Dry land.
    Land,
    /// River or drawn water: roads cross it on bridges.
    Crossable,
    /// Sea or lake: roads stop at the shore.
    Open,
}

/// Precomputed constants of the fields for one spec.
pub struct Fields<'a> {
    pub spec: &'a WorldSpec,
    seed: u64,
    /// Water surface height (metres).
    pub level: f64,
    relief: f64,
    freq: f64,
    octaves: u32,
    river_phase: f64,
    sketch: Option<&'a SketchLayout>,
    /// Everything besides the seed that decides districts (the bits of their
    /// scale and mix, and the street pattern), to key the per-thread cache
    /// of district seeds.
    district_key: [u32; 7],
}

/// Margin (metres) over which a sketch blends into the procedural world.
const SKETCH_BLEND: f64 = 48.0;

impl<'a> Fields<'a> {
    pub fn new(spec: &'a WorldSpec) -> Self {
        let (freq, octaves, amp) = match spec.terrain.kind {
            TerrainKind::Flat => (1.0 / 900.0, 2, 0.12),
            TerrainKind::Rolling => (1.0 / 650.0, 3, 1.0),
            TerrainKind::Hilly => (1.0 / 420.0, 4, 1.0),
        };
        Self {
            spec,
            seed: spec.seed,
            level: f64::from(spec.water.level),
            relief: f64::from(spec.terrain.relief) * amp,
            freq,
            octaves,
            river_phase: unit(hash2(spec.seed, 77, 0)) * std::f64::consts::TAU,
            sketch: spec.sketch.as_ref(),
            district_key: {
                let m = &spec.districts;
                let [a, b, c, d, e, f] = [
                    spec.district_scale,
                    m.downtown,
                    m.midrise,
                    m.residential,
                    m.industrial,
                    m.park,
                ]
                .map(f32::to_bits);
                // Radial cities gather downtown around their town centres.
                let pattern = spec.streets as u32;
                [a, b, c, d, e, f, pattern]
            },
        }
    }

    /// Dry-land height before any water is carved (metres).
    fn land(&self, cache: &mut NoiseCache, x: f64, z: f64) -> f64 {
        let n = 0.5
            + 0.5
                * fbm(
                    cache,
                    self.seed ^ 0x7e44,
                    x * self.freq,
                    z * self.freq,
                    self.octaves,
                );
        let b = f64::from(self.spec.terrain.north_bias);
        let s = smoothstep(-500.0, 500.0, -z);
        let bias = if b >= 0.0 {
            (1.0 - b) + b * s
        } else {
            (1.0 + b) + (-b) * (1.0 - s)
        };
        let hills = if self.spec.terrain.kind == TerrainKind::Hilly {
            n * n * 1.6
        } else {
            n
        };
        self.level + 1.6 + self.relief * hills * bias
    }

    /// Centre of the river at `x` (its z, metres).
    fn river_z(&self, cache: &mut NoiseCache, x: f64) -> f64 {
        f64::from(self.spec.water.river_offset)
            + 140.0 * (x / 520.0 + self.river_phase).sin()
            + 60.0 * value2(cache, self.seed ^ 0x51fe, x / 300.0, 0.5)
    }

    /// Signed distance into the sea (positive = sea), metres; `None` without a coast.
    fn coast(&self, cache: &mut NoiseCache, x: f64, z: f64) -> Option<f64> {
        let dir = self.spec.water.coast?;
        let (dx, dz) = dir.vector();
        let d = x * f64::from(dx) + z * f64::from(dz) - f64::from(self.spec.water.coast_distance);
        Some(d + 70.0 * fbm(cache, self.seed ^ 0xc0a5, x / 450.0, z / 450.0, 3))
    }

    /// Lake membership in `0..=1`.
    fn lake(&self, cache: &mut NoiseCache, x: f64, z: f64) -> f64 {
        let lakes = f64::from(self.spec.water.lakes);
        if lakes <= 0.0 {
            return 0.0;
        }
        let n = 0.5 + 0.5 * fbm(cache, self.seed ^ 0x1a4e, x / 700.0, z / 700.0, 2);
        let th = 0.78 - 0.22 * lakes;
        smoothstep(th - 0.02, th + 0.03, n)
    }

    /// Sketch weight at a point (0 outside, 1 well inside) and the ground
    /// cell there (road ink over water reads as water: see [`drawn`]).
    fn sketch_at(&self, x: f64, z: f64) -> Option<(f64, SketchCell)> {
        let s = self.sketch?;
        let (col, row) = s.cell_index(x as f32, z as f32);
        let cell = drawn::ground_cell(s, col, row)?;
        let r = s.region();
        let inside = (x - f64::from(r.x0))
            .min(f64::from(r.x1) - x)
            .min(z - f64::from(r.z0))
            .min(f64::from(r.z1) - z);
        Some((smoothstep(0.0, SKETCH_BLEND, inside), cell))
    }

    /// Ground height (metres) at world `(x, z)`.
    pub fn height(&self, x: f64, z: f64) -> f64 {
        with_cache(|cache| self.height_in(cache, x, z))
    }

    fn height_in(&self, cache: &mut NoiseCache, x: f64, z: f64) -> f64 {
        let raw = self.land(cache, x, z);
        let base = self.level + 1.6;
        let bed = self.level - 2.5;
        let river = self
            .spec
            .water
            .river_width
            .map(|w| (z - self.river_z(cache, x)).abs() - f64::from(w) * 0.5);
        let coast = self.coast(cache, x, z);
        // Hills flatten into a flood plain near rivers and a shore near the sea.
        let mut relief = 1.0_f64;
        if let Some(d) = river {
            relief = relief.min(0.12 + 0.88 * smoothstep(10.0, 220.0, d));
        }
        if let Some(c) = coast {
            relief = relief.min(0.12 + 0.88 * smoothstep(-20.0, -300.0, c));
        }
        let land = base + (raw - base) * relief;
        let mut h = land;
        if let Some(d) = river {
            h = lerp(bed, h, smoothstep(-2.0, 18.0, d));
        }
        if let Some(c) = coast {
            h = lerp(h, self.level - 6.0, smoothstep(-40.0, 30.0, c));
        }
        let l = self.lake(cache, x, z);
        if l > 0.0 {
            h = lerp(h, bed, l);
        }
        match self.sketch_at(x, z) {
            // Drawn water is water right up to the border, where it flows on.
            Some((_, SketchCell::Water)) => h = bed,
            Some((w, _)) => h = lerp(h, raw, w),
            None => {
                if self
                    .sketch
                    .is_some_and(|s| drawn::water_beyond(s, cache, self.seed, x, z))
                {
                    h = h.min(bed);
                }
            }
        }
        h
    }

    /// The kind of water at a point (what a road would have to cross).
    pub fn water(&self, x: f64, z: f64) -> WaterKind {
        if self.height(x, z) >= self.level {
            return WaterKind::Land;
        }
        let in_sketch = self.sketch_at(x, z).is_some_and(|(w, _)| w > 0.5);
        let open = with_cache(|cache| {
            self.coast(cache, x, z).is_some_and(|c| c > -20.0) || self.lake(cache, x, z) > 0.5
        });
        if !in_sketch && open {
            WaterKind::Open
        } else {
            WaterKind::Crossable
        }
    }

    /// Road surface height (metres): on the ground, or on a low deck over water.
    pub fn road_height(&self, x: f64, z: f64) -> f64 {
        self.road_height_over(self.height(x, z))
    }

    /// Road surface height over ground of height `ground` (metres).
    pub fn road_height_over(&self, ground: f64) -> f64 {
        ground.max(self.level + 1.2) + 0.12
    }

    /// The district at a point: drawn in the sketch, else the nearest
    /// district seed (a jittered lattice of `district_scale` metres) picks
    /// a kind by the spec's weights, with downtown drawn to the centre.
    pub fn district(&self, x: f64, z: f64) -> DistrictKind {
        if let Some((w, cell)) = self.sketch_at(x, z) {
            let drawn = match cell {
                SketchCell::Downtown => Some(DistrictKind::Downtown),
                SketchCell::Midrise => Some(DistrictKind::Midrise),
                SketchCell::Residential => Some(DistrictKind::Residential),
                SketchCell::Industrial => Some(DistrictKind::Industrial),
                SketchCell::Park => Some(DistrictKind::Park),
                _ => None,
            };
            if let Some(k) = drawn.filter(|_| w > 0.0) {
                return k;
            }
        }
        let s = f64::from(self.spec.district_scale);
        let (ci, cj) = ((x / s).floor() as i64, (z / s).floor() as i64);
        DISTRICT_SEEDS.with_borrow_mut(|cache| {
            let key = (self.seed, self.district_key, ci, cj);
            let slot = match cache.iter().position(|e| e.key == Some(key)) {
                Some(hit) => hit,
                None => {
                    // Replace the oldest: entries are kept newest first.
                    cache.rotate_right(1);
                    self.fill_district_seeds(ci, cj, &mut cache[0].seeds);
                    cache[0].key = Some(key);
                    0
                }
            };
            let mut best = (f64::MAX, DistrictKind::Midrise);
            for &(px, pz, kind) in &cache[slot].seeds {
                let d = (px - x).powi(2) + (pz - z).powi(2);
                if d < best.0 {
                    best = (d, kind);
                }
            }
            best.1
        })
    }

    /// Writes the district seeds (world `x`, `z` in metres, and their kind)
    /// of the 3×3 district cells around cell `(ci, cj)` into `seeds`.
    fn fill_district_seeds(&self, ci: i64, cj: i64, seeds: &mut [(f64, f64, DistrictKind); 9]) {
        let s = f64::from(self.spec.district_scale);
        for (k, slot) in seeds.iter_mut().enumerate() {
            let (i, j) = (ci + k as i64 % 3 - 1, cj + k as i64 / 3 - 1);
            let h = hash2(self.seed ^ 0xd157, i, j);
            let px = (i as f64 + 0.15 + 0.7 * unit_n(h, 1)) * s;
            let pz = (j as f64 + 0.15 + 0.7 * unit_n(h, 2)) * s;
            *slot = (px, pz, self.seed_kind(h, px, pz));
        }
    }

    /// The kind of the district around the seed with hash `h` at `(px, pz)`
    /// (metres): picked by the spec's weights, downtown drawn to the centre
    /// (and, in radial cities, to the town centres).
    fn seed_kind(&self, h: u64, px: f64, pz: f64) -> DistrictKind {
        let mix = &self.spec.districts;
        // Radial cities gather downtown around every town centre too.
        let towns = self.spec.streets == StreetPattern::Radial;
        let central = centres::centrality(self.seed, DVec2::new(px, pz), towns);
        let weights = [
            mix.downtown * (0.3 + 2.5 * central) as f32,
            mix.midrise,
            mix.residential * (0.6 + 0.8 * (1.0 - central)) as f32,
            mix.industrial * (0.5 + (1.0 - central)) as f32,
            mix.park,
        ];
        let total: f32 = weights.iter().sum();
        if total <= 0.0 {
            return DistrictKind::Midrise;
        }
        let mut pick = unit_n(h, 3) as f32 * total;
        for (k, w) in DistrictKind::ALL.iter().zip(weights) {
            if pick < w {
                return *k;
            }
            pick -= w;
        }
        DistrictKind::Midrise
    }
}

/// The district seeds around one district cell.
#[derive(Clone, Copy)]
struct DistrictSeeds {
    /// `(spec seed, district key, cell column, cell row)` of the seeds held.
    key: Option<(u64, [u32; 7], i64, i64)>,
    seeds: [(f64, f64, DistrictKind); 9],
}

thread_local! {
    /// The district seeds of the last four district cells computed (the
    /// oldest is replaced first).
    ///
    /// Every point of a chunk falls in one of at most four district cells
    /// (they are larger than chunks), and a chunk asks for districts
    /// hundreds of times (every lot and street): hashing and weighing the
    /// nine seeds around a cell was most of the cost.
    static DISTRICT_SEEDS: std::cell::RefCell<[DistrictSeeds; 4]> = const {
        std::cell::RefCell::new(
            [DistrictSeeds {
                key: None,
                seeds: [(0.0, 0.0, DistrictKind::Midrise); 9],
            }; 4],
        )
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::city::centres;

    fn specs() -> (WorldSpec, WorldSpec) {
        let radial = WorldSpec {
            seed: 21,
            streets: StreetPattern::Radial,
            ..WorldSpec::default()
        };
        let grid = WorldSpec {
            streets: StreetPattern::Grid,
            ..radial.clone()
        };
        (radial, grid)
    }

    /// Radial cities gather downtown around their town centres as well as
    /// the main one; a grid city with the same seed does not.
    #[test]
    fn town_centres_gather_downtown_in_radial_cities() {
        let (radial, grid) = specs();
        let (r, g) = (Fields::new(&radial), Fields::new(&grid));
        let (mut in_radial, mut in_grid) = (0, 0);
        for j in -3..=3 {
            for i in -3..=3 {
                if (i, j) == (0, 0) {
                    continue;
                }
                let at = centres::site(radial.seed, i, j).at;
                in_radial += usize::from(r.district(at.x, at.y) == DistrictKind::Downtown);
                in_grid += usize::from(g.district(at.x, at.y) == DistrictKind::Downtown);
            }
        }
        assert!(
            in_radial > 2 * in_grid.max(4),
            "downtown at {in_radial} of 48 town centres in the radial city, {in_grid} in the grid one"
        );
    }

    /// The per-thread cache of district seeds never hands one spec's
    /// districts to another that differs only in its street pattern.
    #[test]
    fn the_district_cache_tells_street_patterns_apart() {
        let (radial, grid) = specs();
        let points: Vec<(f64, f64)> = (1..=3)
            .map(|i| {
                let at = centres::site(radial.seed, i, 1).at;
                (at.x, at.y)
            })
            .collect();
        let fresh: Vec<DistrictKind> = {
            let (grid, points) = (grid.clone(), points.clone());
            std::thread::spawn(move || {
                let f = Fields::new(&grid);
                points.iter().map(|(x, z)| f.district(*x, *z)).collect()
            })
            .join()
            .expect("thread")
        };
        let (r, g) = (Fields::new(&radial), Fields::new(&grid));
        let after_radial: Vec<DistrictKind> = points
            .iter()
            .map(|(x, z)| {
                r.district(*x, *z);
                g.district(*x, *z)
            })
            .collect();
        assert_eq!(fresh, after_radial);
    }
}
