//! The spec being edited by lexicon actions, and the effects they record.
//!
//! Every setter both changes the spec and notes a short human-readable
//! effect (`density 0.92`), so the "understood" list always says what was
//! really done. Setters called inside [`Ctx::implied`] are *implied*: they
//! leave alone any field that an explicit phrase has set, so "a village
//! with a grid" keeps the grid whichever comes first.

use sprawl_world::{
    Direction, DistrictKind, Era, Season, StreetPattern, TerrainKind, Weather, WorldSpec,
};

/// A linear RGB colour.
pub(super) type Rgb = [f32; 3];

/// Fields an explicit phrase claims.
#[derive(Debug, Clone, Copy)]
pub(super) enum Field {
    Era,
    Streets,
    Terrain,
    Time,
    Season,
    Weather,
    Fog,
    Coast,
    River,
    Density,
    Floors,
    Vegetation,
    Lakes,
    Walls,
    Roofs,
    DistrictScale,
    BlockSize,
    Glass,
    Ground,
    Grass,
    Foliage,
    Water,
    Asphalt,
    Cars,
}

impl Field {
    fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

/// A material family a colour can be given to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    /// Building walls.
    Walls,
    /// Roofs.
    Roofs,
    /// Tower glass.
    Glass,
    /// Bare ground.
    Ground,
    /// Grass.
    Grass,
    /// Tree crowns.
    Foliage,
    /// Water.
    Water,
    /// Asphalt.
    Asphalt,
    /// Car paint.
    Cars,
    /// Not a material: more vegetation and parks (for a lone "green").
    Greenery,
}

/// Where something lies, as a prompt says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Place {
    /// To the north.
    North,
    /// To the east.
    East,
    /// To the south.
    South,
    /// To the west.
    West,
    /// Through the middle.
    Centre,
    /// All around.
    Around,
}

impl Place {
    /// The compass direction, if it is one.
    pub(super) fn direction(self) -> Option<Direction> {
        match self {
            Self::North => Some(Direction::North),
            Self::East => Some(Direction::East),
            Self::South => Some(Direction::South),
            Self::West => Some(Direction::West),
            Self::Centre | Self::Around => None,
        }
    }
}

/// Default spec values that "neutral" strength scales from.
const NEUTRAL_DENSITY: f32 = 0.75;
const NEUTRAL_VEGETATION: f32 = 0.5;
const NEUTRAL_FOG: f32 = 0.1;
const NEUTRAL_RELIEF: f32 = 12.0;
const NEUTRAL_DISTRICT_SCALE: f32 = 700.0;
const NEUTRAL_BLOCK: f32 = 96.0;
/// How far north/south of the centre a placed river runs (metres).
const RIVER_SIDE_OFFSET: f32 = 250.0;

/// The spec being edited.
pub(super) struct Ctx {
    /// The spec so far.
    pub spec: WorldSpec,
    /// Strength of the current phrase (1 = plain, 1.5 = "very", 0.5 = "slightly").
    pub strength: f32,
    /// Whether any district weight was changed (they are normalised at the end).
    pub districts_touched: bool,
    effects: Vec<String>,
    explicit: u32,
    implied: bool,
    /// Whether an implied setter was skipped since the last `take_effects`.
    skipped: bool,
}

fn name_of(kind: DistrictKind) -> &'static str {
    match kind {
        DistrictKind::Downtown => "downtown",
        DistrictKind::Midrise => "mid-rise",
        DistrictKind::Residential => "residential",
        DistrictKind::Industrial => "industrial",
        DistrictKind::Park => "park",
    }
}

fn place_name(p: Place) -> &'static str {
    match p {
        Place::North => "to the north",
        Place::East => "to the east",
        Place::South => "to the south",
        Place::West => "to the west",
        Place::Centre => "through the centre",
        Place::Around => "all around",
    }
}

fn direction_name(d: Direction) -> &'static str {
    match d {
        Direction::North => "north",
        Direction::East => "east",
        Direction::South => "south",
        Direction::West => "west",
    }
}

/// Clamps a colour channel, mapping NaN to mid grey.
fn channel(v: f32) -> f32 {
    if v.is_nan() { 0.5 } else { v.clamp(0.0, 1.0) }
}

/// `c` lightened or darkened by `k`, clamped.
pub(super) fn shade(c: Rgb, k: f32) -> Rgb {
    [channel(c[0] * k), channel(c[1] * k), channel(c[2] * k)]
}

/// A small set of shades around one colour, or the colours themselves.
fn variants(colours: &[Rgb]) -> Vec<Rgb> {
    match colours {
        [] => Vec::new(),
        [c] => vec![shade(*c, 1.0), shade(*c, 0.86), shade(*c, 1.1)],
        many => many.iter().map(|c| shade(*c, 1.0)).collect(),
    }
}

fn two(v: f32) -> String {
    format!("{v:.2}")
}

impl Ctx {
    /// Starts editing `spec`.
    pub fn new(spec: WorldSpec) -> Self {
        Self {
            spec,
            strength: 1.0,
            districts_touched: false,
            effects: Vec::new(),
            explicit: 0,
            implied: false,
            skipped: false,
        }
    }

    /// Runs `f` with its setters marked implied.
    pub fn implied(&mut self, f: impl FnOnce(&mut Self)) {
        let before = self.implied;
        self.implied = true;
        f(self);
        self.implied = before;
    }

    /// The effects noted since the last call. When nothing changed only
    /// because explicit words had already set everything this phrase
    /// implies, says so, so that the phrase still counts as understood.
    pub fn take_effects(&mut self) -> Vec<String> {
        if self.effects.is_empty() && self.skipped {
            self.effects
                .push("nothing new (already set by other words)".into());
        }
        self.skipped = false;
        std::mem::take(&mut self.effects)
    }

    /// Whether a setter of `field` may act now (and claims it if explicit).
    fn claim(&mut self, field: Field) -> bool {
        if self.implied {
            let free = self.explicit & field.bit() == 0;
            self.skipped |= !free;
            free
        } else {
            self.explicit |= field.bit();
            true
        }
    }

    fn note(&mut self, effect: String) {
        if let Some(i) = self.effects.iter().position(|e| e == &effect) {
            self.effects.remove(i);
        }
        self.effects.push(effect);
    }

    /// `neutral` moved toward `target` by the current strength.
    fn scaled(&self, neutral: f32, target: f32) -> f32 {
        neutral + (target - neutral) * self.strength
    }

    // ---- layout -------------------------------------------------------

    /// Sets the share of lots built on.
    pub fn density(&mut self, target: f32) {
        if self.claim(Field::Density) {
            let v = self.scaled(NEUTRAL_DENSITY, target).clamp(0.05, 1.0);
            self.spec.density = v;
            self.note(format!("density {}", two(v)));
        }
    }

    /// Sets the typical district diameter.
    pub fn district_scale(&mut self, target: f32) {
        if self.claim(Field::DistrictScale) {
            let v = self
                .scaled(NEUTRAL_DISTRICT_SCALE, target)
                .clamp(150.0, 5000.0);
            self.spec.district_scale = v;
            self.note(format!("districts ~{v:.0} m"));
        }
    }

    /// Sets the typical block side.
    pub fn block_size(&mut self, target: f32) {
        if self.claim(Field::BlockSize) {
            let v = self.scaled(NEUTRAL_BLOCK, target).clamp(45.0, 300.0);
            self.spec.block_size = v;
            self.note(format!("blocks ~{v:.0} m"));
        }
    }

    /// Adds weight to a district kind.
    pub fn more(&mut self, kind: DistrictKind, amount: f32) {
        let w = self.spec.districts.weight_mut(kind);
        *w = (*w + amount * self.strength).clamp(0.0, 1000.0);
        self.districts_touched = true;
        self.note(format!("{} weight ↑", name_of(kind)));
    }

    /// Multiplies the weight of a district kind by `factor` (< 1).
    pub fn less(&mut self, kind: DistrictKind, factor: f32) {
        // A partial "no" (strength < 1, as in "few parks") only reduces.
        let f = if factor <= 0.0 {
            (1.0 - self.strength).max(0.0)
        } else {
            factor.powf(self.strength.max(0.1))
        };
        let w = self.spec.districts.weight_mut(kind);
        *w = (*w * f).clamp(0.0, 1000.0);
        self.districts_touched = true;
        if f == 0.0 {
            self.note(format!("no {}", name_of(kind)));
        } else {
            self.note(format!("{} weight ↓", name_of(kind)));
        }
    }

    fn set_max_floors(&mut self, max: u32) {
        let h = &mut self.spec.heights;
        h.max_floors = max.clamp(1, 200);
        h.min_floors = h.min_floors.clamp(1, h.max_floors);
        let m = h.max_floors;
        self.note(format!("max floors {m}"));
    }

    /// Raises the tallest buildings to at least `n` storeys.
    pub fn floors_at_least(&mut self, n: u32) {
        if self.claim(Field::Floors) {
            let cur = self.spec.heights.max_floors as f32;
            let s = self.strength;
            let target = if s >= 1.0 {
                n as f32 * s
            } else {
                cur + (n as f32 - cur) * s
            };
            self.set_max_floors(cur.max(target.round()) as u32);
        }
    }

    /// Caps the tallest buildings at `n` storeys.
    pub fn floors_at_most(&mut self, n: u32) {
        if self.claim(Field::Floors) {
            let cur = self.spec.heights.max_floors as f32;
            let s = self.strength;
            let target = if s >= 1.0 {
                n as f32 / s
            } else {
                cur + (n as f32 - cur) * s
            };
            self.set_max_floors(cur.min(target.round().max(1.0)) as u32);
        }
    }

    /// Sets the tallest buildings to exactly `n` storeys (from a number in the prompt).
    pub fn floors_exactly(&mut self, n: f64) {
        if self.claim(Field::Floors) {
            self.set_max_floors(n.clamp(1.0, 200.0) as u32);
        }
    }

    /// Sets the street pattern.
    pub fn streets(&mut self, pattern: StreetPattern) {
        if self.claim(Field::Streets) {
            self.spec.streets = pattern;
            let name = match pattern {
                StreetPattern::Grid => "grid",
                StreetPattern::Organic => "organic",
                StreetPattern::Radial => "radial",
            };
            self.note(format!("streets {name}"));
        }
    }

    /// Sets the architectural era.
    pub fn era(&mut self, era: Era) {
        if self.claim(Field::Era) {
            self.spec.era = era;
            let name = match era {
                Era::Historic => "historic",
                Era::Modern => "modern",
                Era::Futuristic => "futuristic",
            };
            self.note(format!("era {name}"));
        }
    }

    /// Sets the amount of trees.
    pub fn vegetation(&mut self, target: f32) {
        if self.claim(Field::Vegetation) {
            let v = self.scaled(NEUTRAL_VEGETATION, target).clamp(0.0, 1.0);
            self.spec.vegetation = v;
            self.note(format!("vegetation {}", two(v)));
        }
    }

    // ---- terrain and water ---------------------------------------------

    /// Sets the ground shape; `place` says where hills lie.
    pub fn terrain(&mut self, kind: TerrainKind, relief: f32, place: Option<Place>) {
        if !self.claim(Field::Terrain) {
            return;
        }
        let t = &mut self.spec.terrain;
        t.kind = kind;
        t.relief = (NEUTRAL_RELIEF + (relief - NEUTRAL_RELIEF) * self.strength).clamp(0.0, 500.0);
        let relief = t.relief;
        let name = match kind {
            TerrainKind::Flat => "flat",
            TerrainKind::Rolling => "rolling",
            TerrainKind::Hilly => "hilly",
        };
        self.note(format!("terrain {name}"));
        self.note(format!("relief {relief:.0} m"));
        if kind == TerrainKind::Flat {
            self.spec.terrain.north_bias = 0.0;
            return;
        }
        let bias = match place {
            Some(Place::North) => 0.8,
            Some(Place::South) => -0.8,
            Some(Place::Centre | Place::Around) => 0.0,
            Some(Place::East | Place::West) | None => return,
        };
        self.spec.terrain.north_bias = bias;
        if let Some(p) = place {
            self.note(format!("hills {}", place_name(p)));
        }
    }

    /// Adds a river `width` metres wide (scaled by strength).
    pub fn river(&mut self, width: f32, place: Option<Place>) {
        if !self.claim(Field::River) {
            return;
        }
        let w = (width * self.strength).clamp(5.0, 1000.0);
        self.spec.water.river_width = Some(w);
        self.note(format!("river {w:.0} m wide"));
        let offset = match place {
            Some(Place::North) => -RIVER_SIDE_OFFSET,
            Some(Place::South) => RIVER_SIDE_OFFSET,
            Some(Place::Centre) => 0.0,
            _ => return,
        };
        self.spec.water.river_offset = offset;
        if let Some(p) = place {
            self.note(format!("river {}", place_name(p)));
        }
    }

    /// Removes the river.
    pub fn no_river(&mut self) {
        if self.claim(Field::River) {
            self.spec.water.river_width = None;
            self.note("no river".into());
        }
    }

    /// Adds a coast on the given side (or keeps the base's side, or south).
    pub fn coast(&mut self, place: Option<Place>) {
        if self.claim(Field::Coast) {
            let side = place
                .and_then(Place::direction)
                .or(self.spec.water.coast)
                .unwrap_or(Direction::South);
            self.spec.water.coast = Some(side);
            self.note(format!("coast to the {}", direction_name(side)));
        }
    }

    /// Sets how far away the coastline is.
    pub fn coast_distance(&mut self, metres: f32) {
        if self.spec.water.coast.is_some() {
            let v = metres.clamp(100.0, 5000.0);
            self.spec.water.coast_distance = v;
            self.note(format!("coastline {v:.0} m out"));
        }
    }

    /// Removes the coast.
    pub fn no_coast(&mut self) {
        if self.claim(Field::Coast) {
            self.spec.water.coast = None;
            self.note("no coast".into());
        }
    }

    /// Sets the amount of lakes.
    pub fn lakes(&mut self, target: f32) {
        if self.claim(Field::Lakes) {
            let v = (target * self.strength).clamp(0.0, 1.0);
            self.spec.water.lakes = v;
            if v == 0.0 {
                self.note("no lakes".into());
            } else {
                self.note(format!("lakes {}", two(v)));
            }
        }
    }

    // ---- look ----------------------------------------------------------

    /// Sets the time of day (hours).
    pub fn time(&mut self, hours: f32) {
        if self.claim(Field::Time) {
            let h = if hours.is_finite() {
                hours.rem_euclid(24.0).clamp(0.0, 24.0)
            } else {
                12.0
            };
            self.spec.look.time_of_day = h;
            let minutes = (h * 60.0).round() as u32 % (24 * 60);
            self.note(format!("time {:02}:{:02}", minutes / 60, minutes % 60));
        }
    }

    /// Sets the season.
    pub fn season(&mut self, season: Season) {
        if self.claim(Field::Season) {
            self.spec.look.season = season;
            let name = match season {
                Season::Spring => "spring",
                Season::Summer => "summer",
                Season::Autumn => "autumn",
                Season::Winter => "winter",
            };
            self.note(format!("season {name}"));
        }
    }

    /// Sets the weather.
    pub fn weather(&mut self, weather: Weather) {
        if self.claim(Field::Weather) {
            self.spec.look.weather = weather;
            let name = match weather {
                Weather::Clear => "clear",
                Weather::Cloudy => "cloudy",
                Weather::Rain => "rain",
                Weather::Snow => "snow",
                Weather::Fog => "fog",
            };
            self.note(format!("weather {name}"));
        }
    }

    /// Clears the weather if it is `weather` (for "no rain").
    pub fn not_weather(&mut self, weather: Weather) {
        if self.spec.look.weather == weather {
            self.weather(Weather::Clear);
        }
        self.fog(0.04);
    }

    /// Sets the fog density.
    pub fn fog(&mut self, target: f32) {
        if self.claim(Field::Fog) {
            let v = self.scaled(NEUTRAL_FOG, target).clamp(0.0, 1.0);
            self.spec.look.fog = v;
            self.note(format!("fog {}", two(v)));
        }
    }

    // ---- colours -------------------------------------------------------

    /// Gives `colours` (named `name`) to a material family.
    pub fn paint(&mut self, target: Target, colours: &[Rgb], name: &str) {
        let Some(&first) = colours.first() else {
            return;
        };
        let n = colours.len() as f32;
        let mean = colours.iter().fold([0.0; 3], |a, c| {
            [a[0] + c[0] / n, a[1] + c[1] / n, a[2] + c[2] / n]
        });
        let mean = shade(mean, 1.0);
        let (field, label) = match target {
            Target::Walls => (Field::Walls, "walls"),
            Target::Roofs => (Field::Roofs, "roofs"),
            Target::Glass => (Field::Glass, "glass"),
            Target::Ground => (Field::Ground, "ground"),
            Target::Grass => (Field::Grass, "grass"),
            Target::Foliage => (Field::Foliage, "foliage"),
            Target::Water => (Field::Water, "water"),
            Target::Asphalt => (Field::Asphalt, "streets"),
            Target::Cars => (Field::Cars, "cars"),
            Target::Greenery => {
                self.vegetation(0.75);
                self.more(DistrictKind::Park, 0.3);
                return;
            }
        };
        if !self.claim(field) {
            return;
        }
        let p = &mut self.spec.palette;
        match target {
            Target::Walls => p.walls = variants(colours),
            Target::Roofs => p.roofs = variants(colours),
            Target::Cars => p.cars = variants(colours),
            Target::Glass => p.glass = mean,
            Target::Ground => p.ground = mean,
            Target::Grass => p.grass = mean,
            Target::Foliage => p.foliage = mean,
            Target::Water => p.water = mean,
            Target::Asphalt => p.asphalt = shade(first, 1.0),
            Target::Greenery => {}
        }
        self.note(format!("{label} {name}"));
    }
}
