//! What a model is asked to write, as Rust types with JSON schemas.
//!
//! A model does not write a whole [`WorldSpec`]: seeds, versions, chunk
//! sizes, palettes and sketches are not its business, and a schema of
//! everything would invite nonsense. It writes a [`SpecDraft`] (the knobs a
//! description decides), a [`SketchDraft`] (a coarse grid read from a
//! picture) or a [`RegionDraft`] (what stands on one chunk's lots). The
//! JSON schema sent with the request is derived from these types by
//! `schemars` and made "strict" (every property required, no extra
//! properties) by [`strict_schema`]. Whatever comes back is parsed into the
//! same types with serde, applied to the procedural answer and checked with
//! the world's own validation before use, so a model that ignores the
//! schema (or a server that does not enforce it) cannot put nonsense into a
//! world.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sprawl_world::{
    Direction, DistrictMix, Era, Season, SketchCell, SketchLayout, StreetPattern, TerrainKind,
    Weather, WorldSpec,
};

/// Relative weights of district kinds (0 to 1 each; at least one above 0).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct DistrictsDraft {
    /// Glass and stone towers.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub downtown: f32,
    /// Four to ten storey blocks.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub midrise: f32,
    /// Houses with gardens.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub residential: f32,
    /// Sheds, warehouses and yards.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub industrial: f32,
    /// Parks.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub park: f32,
}

/// Street layout.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StreetsDraft {
    /// Straight grid.
    Grid,
    /// Irregular old-town streets.
    Organic,
    /// Grid with radial avenues and rings.
    Radial,
}

/// Shape of the ground.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TerrainDraft {
    /// Level.
    Flat,
    /// Gentle slopes.
    Rolling,
    /// Steep hills.
    Hilly,
}

/// Where the hills are.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum HillsDraft {
    /// All around.
    Everywhere,
    /// To the north.
    North,
    /// To the south.
    South,
}

/// A compass side.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SideDraft {
    /// North.
    North,
    /// East.
    East,
    /// South.
    South,
    /// West.
    West,
}

/// Architectural era.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EraDraft {
    /// Old town.
    Historic,
    /// Twentieth-century mix.
    Modern,
    /// Glass and very tall towers.
    Futuristic,
}

/// Season.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SeasonDraft {
    /// Spring.
    Spring,
    /// Summer.
    Summer,
    /// Autumn.
    Autumn,
    /// Winter.
    Winter,
}

/// Weather.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WeatherDraft {
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

/// The parameters of a procedural city that a description decides.
/// Units: metres and hours.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct SpecDraft {
    /// Share of lots that are built on: 0 = empty fields, 1 = packed.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub density: f32,
    /// Storeys of the lowest buildings.
    #[schemars(range(min = 1, max = 200))]
    pub min_floors: u32,
    /// Storeys of the tallest towers.
    #[schemars(range(min = 1, max = 200))]
    pub max_floors: u32,
    /// Mix of district kinds.
    pub districts: DistrictsDraft,
    /// Typical district diameter (metres).
    #[schemars(range(min = 100.0, max = 5000.0))]
    pub district_scale_m: f32,
    /// Street layout.
    pub streets: StreetsDraft,
    /// Typical block side between streets (metres).
    #[schemars(range(min = 40.0, max = 400.0))]
    pub block_size_m: f32,
    /// Shape of the ground.
    pub terrain: TerrainDraft,
    /// Peak-to-valley height of the hills (metres).
    #[schemars(range(min = 0.0, max = 300.0))]
    pub relief_m: f32,
    /// Where the hills are.
    pub hills: HillsDraft,
    /// Width of a river running east–west (metres), or null for no river.
    #[schemars(range(min = 5.0, max = 600.0))]
    pub river_width_m: Option<f32>,
    /// Side on which the sea lies, or null for no coast.
    pub coast: Option<SideDraft>,
    /// Amount of lakes: 0 = none, 1 = many.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub lakes: f32,
    /// Street and park trees: 0 = none, 1 = lush.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub vegetation: f32,
    /// Architectural era.
    pub era: EraDraft,
    /// Local solar time (hours, 0 to 24; 18.5 = 6:30 pm).
    #[schemars(range(min = 0.0, max = 24.0))]
    pub time_of_day_h: f32,
    /// Season.
    pub season: SeasonDraft,
    /// Weather.
    pub weather: WeatherDraft,
    /// Fog density: 0 = none, 1 = thick.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub fog: f32,
}

impl SpecDraft {
    /// `base` with the draft's choices applied. The seed, chunk size,
    /// palette and the rest of `base` are kept. Validate the result.
    pub fn apply(&self, base: &WorldSpec) -> WorldSpec {
        let mut s = base.clone();
        s.density = self.density;
        s.heights.min_floors = self.min_floors;
        s.heights.max_floors = self.max_floors;
        s.districts = DistrictMix {
            downtown: self.districts.downtown,
            midrise: self.districts.midrise,
            residential: self.districts.residential,
            industrial: self.districts.industrial,
            park: self.districts.park,
        };
        s.district_scale = self.district_scale_m;
        s.streets = match self.streets {
            StreetsDraft::Grid => StreetPattern::Grid,
            StreetsDraft::Organic => StreetPattern::Organic,
            StreetsDraft::Radial => StreetPattern::Radial,
        };
        s.block_size = self.block_size_m;
        s.terrain.kind = match self.terrain {
            TerrainDraft::Flat => TerrainKind::Flat,
            TerrainDraft::Rolling => TerrainKind::Rolling,
            TerrainDraft::Hilly => TerrainKind::Hilly,
        };
        s.terrain.relief = self.relief_m;
        let bias = base.terrain.north_bias.abs().max(0.7);
        s.terrain.north_bias = match self.hills {
            HillsDraft::Everywhere => 0.0,
            HillsDraft::North => bias,
            HillsDraft::South => -bias,
        };
        s.water.river_width = self.river_width_m;
        s.water.coast = self.coast.map(|c| match c {
            SideDraft::North => Direction::North,
            SideDraft::East => Direction::East,
            SideDraft::South => Direction::South,
            SideDraft::West => Direction::West,
        });
        s.water.lakes = self.lakes;
        s.vegetation = self.vegetation;
        s.era = match self.era {
            EraDraft::Historic => Era::Historic,
            EraDraft::Modern => Era::Modern,
            EraDraft::Futuristic => Era::Futuristic,
        };
        s.look.time_of_day = self.time_of_day_h;
        s.look.season = match self.season {
            SeasonDraft::Spring => Season::Spring,
            SeasonDraft::Summer => Season::Summer,
            SeasonDraft::Autumn => Season::Autumn,
            SeasonDraft::Winter => Season::Winter,
        };
        s.look.weather = match self.weather {
            WeatherDraft::Clear => Weather::Clear,
            WeatherDraft::Cloudy => Weather::Cloudy,
            WeatherDraft::Rain => Weather::Rain,
            WeatherDraft::Snow => Weather::Snow,
            WeatherDraft::Fog => Weather::Fog,
        };
        s.look.fog = self.fog;
        s
    }
}

/// A drawn map read as a coarse grid of cells.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct SketchDraft {
    /// Cells across, west to east.
    #[schemars(range(min = 4, max = 128))]
    pub width: u32,
    /// Cells down, north to south.
    #[schemars(range(min = 4, max = 128))]
    pub height: u32,
    /// One string per row, north first, each exactly `width` characters:
    /// `.` undecided, `W` water, `P` park, `R` road, `D` downtown towers,
    /// `M` mid-rise, `H` residential houses, `I` industrial.
    pub rows: Vec<String>,
    /// Road centrelines as lists of `[column, row]` points in cell units
    /// (`[0, 0]` is the north-west corner of the picture).
    pub roads: Vec<Vec<[f32; 2]>>,
}

/// Largest grid side a model may return.
pub const MAX_DRAFT_SIDE: u32 = 128;

impl SketchDraft {
    /// A layout over the same area as `baseline` (cells resampled to
    /// squares of the baseline's width divided by `width`).
    pub fn to_layout(&self, baseline: &SketchLayout) -> Result<SketchLayout, String> {
        let (w, h) = (self.width, self.height);
        if !(4..=MAX_DRAFT_SIDE).contains(&w) || !(4..=MAX_DRAFT_SIDE).contains(&h) {
            return Err(format!(
                "grid {w}×{h} is outside 4..={MAX_DRAFT_SIDE} cells a side"
            ));
        }
        if self.rows.len() != h as usize {
            return Err(format!(
                "{} rows for a grid {h} cells high",
                self.rows.len()
            ));
        }
        let mut grid = Vec::with_capacity((w * h) as usize);
        for (r, row) in self.rows.iter().enumerate() {
            let cells: Vec<char> = row.chars().collect();
            if cells.len() != w as usize {
                return Err(format!("row {r} has {} cells, expected {w}", cells.len()));
            }
            for ch in cells {
                grid.push(match ch {
                    '.' => SketchCell::Unspecified,
                    'W' => SketchCell::Water,
                    'P' => SketchCell::Park,
                    'R' => SketchCell::Road,
                    'D' => SketchCell::Downtown,
                    'M' => SketchCell::Midrise,
                    'H' => SketchCell::Residential,
                    'I' => SketchCell::Industrial,
                    other => return Err(format!("row {r} has an unknown cell `{other}`")),
                });
            }
        }
        let area = baseline.region();
        let mpp = area.width() / w as f32;
        let out_h = ((area.depth() / mpp).round() as u32).clamp(1, MAX_DRAFT_SIDE * 4);
        let mut cells = Vec::with_capacity((w * out_h) as usize);
        for j in 0..out_h {
            let src = ((j as f32 + 0.5) * h as f32 / out_h as f32) as u32;
            let src = src.min(h - 1);
            cells.extend_from_slice(&grid[(src * w) as usize..((src + 1) * w) as usize]);
        }
        let (sx, sz) = (area.width() / w as f32, area.depth() / h as f32);
        let mut roads = Vec::new();
        for (i, line) in self.roads.iter().enumerate() {
            if line.len() < 2 || line.len() > 1000 {
                return Err(format!(
                    "road {i} has {} points (2 to 1000 needed)",
                    line.len()
                ));
            }
            let mut pts = Vec::with_capacity(line.len());
            for p in line {
                if !p.iter().all(|v| v.is_finite())
                    || p[0] < 0.0
                    || p[1] < 0.0
                    || p[0] > w as f32
                    || p[1] > h as f32
                {
                    return Err(format!("road {i} has a point {p:?} outside the grid"));
                }
                pts.push([area.x0 + p[0] * sx, area.z0 + p[1] * sz]);
            }
            roads.push(pts);
        }
        Ok(SketchLayout {
            origin: [area.x0, area.z0],
            metres_per_pixel: mpp,
            width: w,
            height: out_h,
            cells,
            roads,
        })
    }
}

/// What stands on one chunk's lots. Roads and terrain are fixed.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct RegionDraft {
    /// Share of lots that are built on.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub density: f32,
    /// Scales building heights (1 = as the city around it).
    #[schemars(range(min = 0.2, max = 4.0))]
    pub height_scale: f32,
    /// Storeys of the tallest building.
    #[schemars(range(min = 1, max = 200))]
    pub max_floors: u32,
    /// Trees: 0 = none, 1 = lush.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub vegetation: f32,
}

impl RegionDraft {
    /// `spec` with the draft applied (min floors clamped under max floors).
    pub fn apply(&self, spec: &WorldSpec) -> WorldSpec {
        let mut s = spec.clone();
        s.density = self.density;
        s.heights.scale = self.height_scale;
        s.heights.max_floors = self.max_floors;
        s.heights.min_floors = s.heights.min_floors.min(self.max_floors).max(1);
        s.vegetation = self.vegetation;
        s
    }
}

/// The JSON schema of `T`, made strict for OpenAI-style structured output:
/// every object lists all its properties as required and forbids others,
/// and number `format`s (which some servers reject) are dropped.
pub fn strict_schema<T: JsonSchema>() -> Value {
    let mut v = schemars::schema_for!(T).to_value();
    if let Some(o) = v.as_object_mut() {
        o.remove("$schema");
    }
    strictify(&mut v);
    v
}

fn strictify(v: &mut Value) {
    match v {
        Value::Object(o) => {
            if o.get("format").and_then(Value::as_str).is_some_and(|f| {
                matches!(
                    f,
                    "float" | "double" | "uint" | "uint32" | "int32" | "uint64" | "int64"
                )
            }) {
                o.remove("format");
            }
            if let Some(Value::Object(props)) = o.get("properties") {
                let names: Vec<Value> = props.keys().cloned().map(Value::String).collect();
                o.insert("required".into(), Value::Array(names));
                o.insert("additionalProperties".into(), Value::Bool(false));
            }
            for child in o.values_mut() {
                strictify(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(strictify),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemas_are_strict() {
        let s = strict_schema::<SpecDraft>();
        let req = s["required"].as_array().expect("required");
        assert!(req.iter().any(|r| r == "river_width_m"), "{s}");
        assert_eq!(s["additionalProperties"], Value::Bool(false));
        assert!(!s.to_string().contains("\"format\""), "{s}");
        assert!(s.to_string().contains("\"maximum\""), "{s}");
    }

    #[test]
    fn sketch_draft_resamples_onto_the_baseline_area() {
        let baseline = SketchLayout {
            origin: [-100.0, -50.0],
            metres_per_pixel: 10.0,
            width: 20,
            height: 10,
            cells: vec![SketchCell::Unspecified; 200],
            roads: vec![],
        };
        let draft = SketchDraft {
            width: 4,
            height: 4,
            rows: vec!["WWWW".into(), "R..R".into(), "DDMM".into(), "HHII".into()],
            roads: vec![vec![[0.0, 1.5], [4.0, 1.5]]],
        };
        let l = draft.to_layout(&baseline).expect("converts");
        l.validate().expect("valid");
        assert_eq!((l.width, l.height, l.metres_per_pixel), (4, 2, 50.0));
        assert_eq!(l.region(), baseline.region());
        assert_eq!(l.roads[0][1], [100.0, -12.5]);
        let bad = SketchDraft {
            rows: vec!["WWW".into(); 4],
            ..draft
        };
        assert!(bad.to_layout(&baseline).is_err());
    }
}
