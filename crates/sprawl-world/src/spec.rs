//! `WorldSpec`: everything that shapes a city, serialisable and versioned.
//!
//! Prompts, sketches and LLM backends all produce a `WorldSpec`; the
//! procedural generator consumes it. Every field has a documented default
//! so that a spec from an older file (missing fields) still loads.

use crate::SketchLayout;
use serde::{Deserialize, Serialize};

/// Version of the `WorldSpec` format written by this build. A file with a
/// larger version was written by a newer Sprawl and is refused.
pub const WORLD_SPEC_VERSION: u32 = 1;

/// Everything that shapes a city. Units: metres, hours, fractions in `0..=1`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WorldSpec {
    /// Format version ([`WORLD_SPEC_VERSION`] when written by this build).
    pub version: u32,
    /// Seed of every random choice.
    pub seed: u64,
    /// Chunk side length (metres); fixed for the life of a world.
    pub chunk_size: f32,
    /// Share of buildable lots that are built on (0 = empty fields, 1 = packed).
    pub density: f32,
    /// Building heights.
    pub heights: HeightProfile,
    /// Relative weights of district kinds.
    pub districts: DistrictMix,
    /// Typical district diameter (metres).
    pub district_scale: f32,
    /// Street layout.
    pub streets: StreetPattern,
    /// Typical block side between local streets (metres).
    pub block_size: f32,
    /// Ground shape.
    pub terrain: Terrain,
    /// Rivers, coast and lakes.
    pub water: Water,
    /// Amount of street trees and park trees (0..=1).
    pub vegetation: f32,
    /// Colours of materials.
    pub palette: Palette,
    /// Architectural era / style.
    pub era: Era,
    /// How a renderer should light and shade the world.
    pub look: Look,
    /// A drawn map laid over part of the world, if any.
    pub sketch: Option<SketchLayout>,
    /// The prompt the spec was interpreted from, if any (for provenance and display).
    pub prompt: Option<String>,
}

impl Default for WorldSpec {
    fn default() -> Self {
        Self {
            version: WORLD_SPEC_VERSION,
            seed: 1,
            chunk_size: 128.0,
            density: 0.75,
            heights: HeightProfile::default(),
            districts: DistrictMix::default(),
            district_scale: 700.0,
            streets: StreetPattern::Grid,
            block_size: 96.0,
            terrain: Terrain::default(),
            water: Water::default(),
            vegetation: 0.5,
            palette: Palette::default(),
            era: Era::Modern,
            look: Look::default(),
            sketch: None,
            prompt: None,
        }
    }
}

/// Building height distribution.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HeightProfile {
    /// Storeys of the lowest buildings.
    pub min_floors: u32,
    /// Storeys of the tallest towers.
    pub max_floors: u32,
    /// Storey height (metres).
    pub floor_height: f32,
    /// Scales all heights (0.5 = half as tall, 2 = twice).
    pub scale: f32,
}

impl Default for HeightProfile {
    fn default() -> Self {
        Self {
            min_floors: 1,
            max_floors: 40,
            floor_height: 3.2,
            scale: 1.0,
        }
    }
}

/// A kind of district; sets lot sizes, building types and heights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DistrictKind {
    /// Towers of glass and stone.
    Downtown,
    /// Four to ten storey blocks.
    Midrise,
    /// Houses with gardens and pitched roofs.
    Residential,
    /// Sheds, warehouses, yards.
    Industrial,
    /// Lawns and trees.
    Park,
}

impl DistrictKind {
    /// Every kind, in a fixed order.
    pub const ALL: [DistrictKind; 5] = [
        Self::Downtown,
        Self::Midrise,
        Self::Residential,
        Self::Industrial,
        Self::Park,
    ];
}

/// Relative weights of district kinds (need not sum to 1; at least one > 0).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DistrictMix {
    /// Weight of downtown.
    pub downtown: f32,
    /// Weight of mid-rise.
    pub midrise: f32,
    /// Weight of residential.
    pub residential: f32,
    /// Weight of industrial.
    pub industrial: f32,
    /// Weight of parks.
    pub park: f32,
}

impl Default for DistrictMix {
    fn default() -> Self {
        Self {
            downtown: 0.2,
            midrise: 0.3,
            residential: 0.3,
            industrial: 0.1,
            park: 0.1,
        }
    }
}

impl DistrictMix {
    /// Weight of one kind.
    pub fn weight(&self, kind: DistrictKind) -> f32 {
        match kind {
            DistrictKind::Downtown => self.downtown,
            DistrictKind::Midrise => self.midrise,
            DistrictKind::Residential => self.residential,
            DistrictKind::Industrial => self.industrial,
            DistrictKind::Park => self.park,
        }
    }

    /// Mutable weight of one kind.
    pub fn weight_mut(&mut self, kind: DistrictKind) -> &mut f32 {
        match kind {
            DistrictKind::Downtown => &mut self.downtown,
            DistrictKind::Midrise => &mut self.midrise,
            DistrictKind::Residential => &mut self.residential,
            DistrictKind::Industrial => &mut self.industrial,
            DistrictKind::Park => &mut self.park,
        }
    }

    /// Sum of weights.
    pub fn total(&self) -> f32 {
        DistrictKind::ALL.iter().map(|k| self.weight(*k)).sum()
    }
}

/// How streets are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StreetPattern {
    /// Manhattan-style straight grid.
    Grid,
    /// Irregular, jittered streets with some missing links (old towns).
    Organic,
    /// A grid plus radial avenues and ring roads around centres.
    Radial,
}

/// The broad shape of the ground.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TerrainKind {
    /// Level ground.
    Flat,
    /// Gentle slopes.
    Rolling,
    /// Steep hills.
    Hilly,
}

/// Ground shape.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Terrain {
    /// Broad shape.
    pub kind: TerrainKind,
    /// Peak-to-valley relief (metres) of the hills.
    pub relief: f32,
    /// Where the hills are: 0 = everywhere, 1 = only to the north (−Z),
    /// −1 = only to the south (+Z).
    pub north_bias: f32,
}

impl Default for Terrain {
    fn default() -> Self {
        Self {
            kind: TerrainKind::Rolling,
            relief: 12.0,
            north_bias: 0.0,
        }
    }
}

/// A compass direction in the world frame (north = −Z, east = +X).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// −Z.
    North,
    /// +X.
    East,
    /// +Z.
    South,
    /// −X.
    West,
}

impl Direction {
    /// Unit vector `(x, z)` pointing that way.
    pub fn vector(self) -> (f32, f32) {
        match self {
            Self::North => (0.0, -1.0),
            Self::East => (1.0, 0.0),
            Self::South => (0.0, 1.0),
            Self::West => (-1.0, 0.0),
        }
    }
}

/// Rivers, coast and lakes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Water {
    /// Width of the river (metres), or `None` for no river. The river runs
    /// east–west, meandering, near `river_offset`.
    pub river_width: Option<f32>,
    /// Z of the river's mean course (metres).
    pub river_offset: f32,
    /// Side on which the sea lies, or `None` for no coast.
    pub coast: Option<Direction>,
    /// Distance from the origin to the mean coastline (metres).
    pub coast_distance: f32,
    /// Amount of lakes (0 = none, 1 = many).
    pub lakes: f32,
    /// Water surface height (metres).
    pub level: f32,
}

impl Default for Water {
    fn default() -> Self {
        Self {
            river_width: None,
            river_offset: 150.0,
            coast: None,
            coast_distance: 300.0,
            lakes: 0.0,
            level: 0.0,
        }
    }
}

/// sRGB colours (0..=1, as a person picks them; renderers convert to linear) for material families.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Palette {
    /// Wall colours; buildings pick one each.
    pub walls: Vec<[f32; 3]>,
    /// Roof colours; buildings pick one each.
    pub roofs: Vec<[f32; 3]>,
    /// Glass of towers.
    pub glass: [f32; 3],
    /// Bare ground.
    pub ground: [f32; 3],
    /// Grass.
    pub grass: [f32; 3],
    /// Tree crowns.
    pub foliage: [f32; 3],
    /// Asphalt.
    pub asphalt: [f32; 3],
    /// Sidewalk paving.
    pub paving: [f32; 3],
    /// Water.
    pub water: [f32; 3],
    /// Car paints.
    pub cars: Vec<[f32; 3]>,
}

impl Default for Palette {
    fn default() -> Self {
        Self {
            walls: vec![
                [0.72, 0.68, 0.62],
                [0.62, 0.58, 0.55],
                [0.80, 0.76, 0.70],
                [0.55, 0.38, 0.30],
            ],
            roofs: vec![[0.30, 0.30, 0.32], [0.45, 0.42, 0.40], [0.38, 0.25, 0.20]],
            glass: [0.25, 0.35, 0.45],
            ground: [0.42, 0.38, 0.30],
            grass: [0.30, 0.50, 0.22],
            foliage: [0.18, 0.40, 0.15],
            asphalt: [0.16, 0.16, 0.17],
            paving: [0.55, 0.54, 0.52],
            water: [0.12, 0.30, 0.45],
            cars: vec![
                [0.7, 0.1, 0.1],
                [0.1, 0.2, 0.6],
                [0.85, 0.85, 0.85],
                [0.1, 0.1, 0.1],
                [0.5, 0.5, 0.5],
            ],
        }
    }
}

impl Palette {
    /// The palette as a season shows it: spring leaves are lighter, autumn
    /// leaves turn orange-red, winter trees go bare brown-grey and the grass
    /// fades; summer is the palette as written. Renderers and exports call
    /// this with the spec's [`Look::season`].
    pub fn in_season(&self, season: Season) -> Palette {
        let mix = |a: [f32; 3], b: [f32; 3], t: f32| [0, 1, 2].map(|k| a[k] + (b[k] - a[k]) * t);
        let mut p = self.clone();
        match season {
            Season::Spring => p.foliage = mix(p.foliage, [0.45, 0.70, 0.30], 0.5),
            Season::Summer => {}
            Season::Autumn => {
                p.foliage = mix(p.foliage, [0.80, 0.42, 0.12], 0.8);
                p.grass = mix(p.grass, [0.55, 0.50, 0.25], 0.4);
            }
            Season::Winter => {
                p.foliage = mix(p.foliage, [0.42, 0.36, 0.30], 0.85);
                p.grass = mix(p.grass, [0.85, 0.87, 0.90], 0.6);
            }
        }
        p
    }
}

/// Architectural era / style; sets roof shapes, façades and proportions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Era {
    /// Old town: pitched roofs, narrow lots, few towers.
    Historic,
    /// Twentieth-century mix.
    Modern,
    /// Glass, setbacks and very tall towers.
    Futuristic,
}

/// Season of the year, for foliage colour and light.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Season {
    /// Fresh green.
    Spring,
    /// Full green.
    Summer,
    /// Orange and red leaves.
    Autumn,
    /// Bare trees, snow.
    Winter,
}

/// Weather for a renderer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Weather {
    /// Sunny.
    Clear,
    /// Overcast.
    Cloudy,
    /// Rain.
    Rain,
    /// Snow.
    Snow,
    /// Fog.
    Fog,
}

/// How a renderer should light and shade the world.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Look {
    /// Local solar time (hours, 0..24).
    pub time_of_day: f32,
    /// Season.
    pub season: Season,
    /// Weather.
    pub weather: Weather,
    /// Fog density (0 = none, 1 = thick).
    pub fog: f32,
}

impl Default for Look {
    fn default() -> Self {
        Self {
            time_of_day: 14.0,
            season: Season::Summer,
            weather: Weather::Clear,
            fog: 0.1,
        }
    }
}

/// Why a spec is unusable.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SpecError {
    /// Written by a newer Sprawl.
    #[error(
        "world spec version {found} is newer than this build supports ({supported}); upgrade Sprawl"
    )]
    TooNew {
        /// Version in the file.
        found: u32,
        /// Newest version this build reads.
        supported: u32,
    },
    /// A field is out of range.
    #[error("world spec field `{field}` is invalid: {reason}")]
    Invalid {
        /// Field path.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
}

impl WorldSpec {
    /// Checks versions, ranges and finiteness so that generation never sees
    /// nonsense from a file or a backend.
    pub fn validate(&self) -> Result<(), SpecError> {
        if self.version > WORLD_SPEC_VERSION {
            return Err(SpecError::TooNew {
                found: self.version,
                supported: WORLD_SPEC_VERSION,
            });
        }
        let range = |field: &'static str, v: f32, lo: f32, hi: f32| {
            if v.is_finite() && v >= lo && v <= hi {
                Ok(())
            } else {
                Err(SpecError::Invalid {
                    field,
                    reason: format!("{v} is not in {lo}..={hi}"),
                })
            }
        };
        range("chunk_size", self.chunk_size, 16.0, 1024.0)?;
        range("density", self.density, 0.0, 1.0)?;
        range("district_scale", self.district_scale, 100.0, 20_000.0)?;
        range("block_size", self.block_size, 40.0, 400.0)?;
        range("vegetation", self.vegetation, 0.0, 1.0)?;
        range("heights.floor_height", self.heights.floor_height, 2.0, 10.0)?;
        range("heights.scale", self.heights.scale, 0.1, 10.0)?;
        if self.heights.min_floors == 0
            || self.heights.min_floors > self.heights.max_floors
            || self.heights.max_floors > 200
        {
            return Err(SpecError::Invalid {
                field: "heights",
                reason: format!(
                    "need 1 <= min_floors ({}) <= max_floors ({}) <= 200",
                    self.heights.min_floors, self.heights.max_floors
                ),
            });
        }
        for k in DistrictKind::ALL {
            range("districts", self.districts.weight(k), 0.0, 1000.0)?;
        }
        if self.districts.total() <= 0.0 {
            return Err(SpecError::Invalid {
                field: "districts",
                reason: "all weights are zero".into(),
            });
        }
        range("terrain.relief", self.terrain.relief, 0.0, 500.0)?;
        range("terrain.north_bias", self.terrain.north_bias, -1.0, 1.0)?;
        if let Some(w) = self.water.river_width {
            range("water.river_width", w, 5.0, 1000.0)?;
        }
        range("water.river_offset", self.water.river_offset, -1e6, 1e6)?;
        range("water.coast_distance", self.water.coast_distance, -1e6, 1e6)?;
        range("water.lakes", self.water.lakes, 0.0, 1.0)?;
        range("water.level", self.water.level, -1000.0, 1000.0)?;
        range("look.time_of_day", self.look.time_of_day, 0.0, 24.0)?;
        range("look.fog", self.look.fog, 0.0, 1.0)?;
        let p = &self.palette;
        if p.walls.is_empty() || p.roofs.is_empty() || p.cars.is_empty() {
            return Err(SpecError::Invalid {
                field: "palette",
                reason: "walls, roofs and cars need at least one colour".into(),
            });
        }
        let colours = p.walls.iter().chain(&p.roofs).chain(&p.cars).chain([
            &p.glass, &p.ground, &p.grass, &p.foliage, &p.asphalt, &p.paving, &p.water,
        ]);
        for c in colours {
            for v in c {
                range("palette", *v, 0.0, 1.0)?;
            }
        }
        if let Some(s) = &self.sketch {
            s.validate().map_err(|e| SpecError::Invalid {
                field: "sketch",
                reason: e.to_string(),
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_valid_and_round_trips() {
        let spec = WorldSpec::default();
        spec.validate().expect("default spec is valid");
        let json = serde_json::to_string(&spec).expect("serialise");
        let back: WorldSpec = serde_json::from_str(&json).expect("parse");
        assert_eq!(back, spec);
    }

    #[test]
    fn seasons_change_foliage_but_summer_keeps_the_palette() {
        let p = Palette::default();
        assert_eq!(p.in_season(Season::Summer), p);
        let autumn = p.in_season(Season::Autumn);
        assert!(autumn.foliage[0] > p.foliage[0] && autumn.foliage[1] < autumn.foliage[0]);
        assert_ne!(p.in_season(Season::Winter).grass, p.grass);
    }

    #[test]
    fn missing_fields_take_defaults() {
        let spec: WorldSpec = serde_json::from_str(r#"{"seed": 9}"#).expect("parse");
        assert_eq!(spec.seed, 9);
        assert_eq!(spec.chunk_size, 128.0);
    }

    #[test]
    fn rejects_newer_versions_and_bad_ranges() {
        let mut spec = WorldSpec {
            version: WORLD_SPEC_VERSION + 1,
            ..WorldSpec::default()
        };
        assert!(matches!(spec.validate(), Err(SpecError::TooNew { .. })));
        spec.version = WORLD_SPEC_VERSION;
        spec.density = f32::NAN;
        assert!(spec.validate().is_err());
        spec.density = 0.5;
        spec.districts = DistrictMix {
            downtown: 0.0,
            midrise: 0.0,
            residential: 0.0,
            industrial: 0.0,
            park: 0.0,
        };
        assert!(spec.validate().is_err());
    }
}
