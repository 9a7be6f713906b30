//! The vocabulary: phrases and what they do to a spec.
//!
//! Each [`Entry`] lists synonymous phrases (stop words inside a phrase are
//! ignored, so "to the north" is just "north") and a [`Role`]: a concept
//! with an action (and optionally a negated action), a place, a colour, a
//! negation or an intensity modifier. In phrases, `#` matches any number,
//! `@clock` a clock time like `18:30`, and `@year` a year like `1920`.

use super::ctx::{Ctx, Place, Rgb, Target};
use super::tokens::{TokKind, Token, is_stop_word};
use sprawl_world::{
    DistrictKind as D, Era, Season, StreetPattern as S, TerrainKind as T, Weather as W,
};
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// What a matched concept knows besides its words.
#[derive(Debug, Clone, Default)]
pub(super) struct Args {
    /// Where the prompt placed it ("hills to the north").
    pub place: Option<Place>,
    /// Numbers matched by `#` or `@year`.
    pub numbers: Vec<f64>,
    /// A clock time matched by `@clock`.
    pub clock: Option<f32>,
    /// Whether colours were attached ("red-roofed").
    pub coloured: bool,
}

/// An action on the spec.
pub(super) type Act = fn(&mut Ctx, &Args);

/// A phrase that changes the spec.
pub(super) struct Concept {
    /// What the phrase does.
    pub act: Act,
    /// What the phrase does when negated ("no river"), if negatable.
    pub neg: Option<Act>,
    /// Places the phrase can take ("hills to the north").
    pub places: &'static [Place],
    /// Material that preceding colours paint ("red roofs").
    pub paints: Option<Target>,
}

/// A colour word.
pub(super) struct Colour {
    /// Name used in effects.
    pub name: &'static str,
    /// Linear RGB.
    pub rgb: Rgb,
    /// What the colour paints when no material follows it.
    pub fallback: Target,
}

/// The role of a phrase.
pub(super) enum Role {
    /// Changes the spec.
    Concept(Concept),
    /// Says where the neighbouring concept lies.
    Place(Place),
    /// Colours the following material.
    Colour(Colour),
    /// Negates the following concept, fully (1) or partly ("few": 0.5).
    Negate(f32),
    /// Strengthens (> 1) or weakens (< 1) the following concept.
    Intensity(f32),
}

/// A set of synonymous phrases and their role.
pub(super) struct Entry {
    /// The phrases, as written.
    pub phrases: &'static [&'static str],
    /// What they do.
    pub role: Role,
}

/// One element of a compiled phrase.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Pat {
    /// A literal word.
    Word(String),
    /// Any number.
    Num,
    /// A year-like whole number.
    Year,
    /// A clock time.
    Clock,
}

impl Pat {
    fn matches(&self, t: &Token) -> bool {
        match (self, t.kind) {
            (Pat::Word(w), TokKind::Word) => *w == t.text,
            (Pat::Num, TokKind::Num(_)) => true,
            (Pat::Year, TokKind::Num(v)) => {
                t.text.bytes().all(|b| b.is_ascii_digit()) && (1000.0..=2999.0).contains(&v)
            }
            (Pat::Clock, TokKind::Clock(_)) => true,
            _ => false,
        }
    }
}

/// A compiled phrase.
pub(super) struct Pattern {
    /// Its elements, stop words removed.
    pub parts: Vec<Pat>,
    /// Index of its entry.
    pub entry: usize,
}

/// The compiled vocabulary.
pub(super) struct Lexicon {
    /// All entries.
    pub entries: Vec<Entry>,
    /// All phrases.
    pub patterns: Vec<Pattern>,
    /// Patterns by first literal word.
    by_first: BTreeMap<String, Vec<usize>>,
    /// Patterns that start with a number or clock.
    by_number: Vec<usize>,
    /// Words in the longest pattern.
    pub max_len: usize,
}

impl Lexicon {
    fn compile(entries: Vec<Entry>) -> Self {
        let mut patterns = Vec::new();
        let mut by_first: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        let mut by_number = Vec::new();
        for (entry, e) in entries.iter().enumerate() {
            for phrase in e.phrases {
                let parts: Vec<Pat> = phrase
                    .split_whitespace()
                    .filter(|w| !is_stop_word(w))
                    .map(|w| match w {
                        "#" => Pat::Num,
                        "@year" => Pat::Year,
                        "@clock" => Pat::Clock,
                        w => Pat::Word(w.to_string()),
                    })
                    .collect();
                let Some(first) = parts.first() else { continue };
                let index = patterns.len();
                match first {
                    Pat::Word(w) => by_first.entry(w.clone()).or_default().push(index),
                    _ => by_number.push(index),
                }
                patterns.push(Pattern { parts, entry });
            }
        }
        let max_len = patterns.iter().map(|p| p.parts.len()).max().unwrap_or(1);
        Self {
            entries,
            patterns,
            by_first,
            by_number,
            max_len,
        }
    }

    /// The longest pattern matching a prefix of `tokens` (ties: first in
    /// the vocabulary), as `(pattern index, length)`.
    pub fn longest_match(&self, tokens: &[&Token]) -> Option<(usize, usize)> {
        let first = tokens.first()?;
        let candidates: &[usize] = match first.kind {
            TokKind::Word => self.by_first.get(&first.text).map_or(&[], Vec::as_slice),
            _ => &self.by_number,
        };
        let mut best: Option<(usize, usize)> = None;
        for &p in candidates {
            let parts = &self.patterns[p].parts;
            if parts.len() > tokens.len() || best.is_some_and(|(_, len)| len >= parts.len()) {
                continue;
            }
            if parts.iter().zip(tokens).all(|(pat, t)| pat.matches(t)) {
                best = Some((p, parts.len()));
            }
        }
        best
    }

    /// A single-word concept matching `word` with a plural ending removed.
    pub fn singular_match(&self, word: &str) -> Option<usize> {
        let stems = [
            word.strip_suffix("ies").map(|s| format!("{s}y")),
            word.strip_suffix("es").map(str::to_string),
            word.strip_suffix('s').map(str::to_string),
        ];
        stems
            .into_iter()
            .flatten()
            .filter(|s| s.len() >= 3)
            .find_map(|stem| {
                self.by_first
                    .get(&stem)?
                    .iter()
                    .copied()
                    .find(|&p| self.patterns[p].parts.len() == 1)
            })
    }
}

/// The vocabulary, compiled once.
pub(super) static LEXICON: LazyLock<Lexicon> = LazyLock::new(|| Lexicon::compile(entries()));

const NS: &[Place] = &[Place::North, Place::South, Place::Centre];
const HILLS: &[Place] = &[Place::North, Place::South, Place::Around, Place::Centre];
const COAST: &[Place] = &[Place::North, Place::East, Place::South, Place::West];

fn concept(phrases: &'static [&'static str], act: Act) -> Entry {
    Entry {
        phrases,
        role: Role::Concept(Concept {
            act,
            neg: None,
            places: &[],
            paints: None,
        }),
    }
}

fn negatable(phrases: &'static [&'static str], act: Act, neg: Act) -> Entry {
    Entry {
        phrases,
        role: Role::Concept(Concept {
            act,
            neg: Some(neg),
            places: &[],
            paints: None,
        }),
    }
}

fn place(phrases: &'static [&'static str], p: Place) -> Entry {
    Entry {
        phrases,
        role: Role::Place(p),
    }
}

fn colour(phrases: &'static [&'static str], rgb: Rgb, fallback: Target) -> Entry {
    Entry {
        phrases,
        role: Role::Colour(Colour {
            name: phrases[0],
            rgb,
            fallback,
        }),
    }
}

impl Entry {
    fn places(mut self, places: &'static [Place]) -> Self {
        if let Role::Concept(c) = &mut self.role {
            c.places = places;
        }
        self
    }

    fn paints(mut self, target: Target) -> Self {
        if let Role::Concept(c) = &mut self.role {
            c.paints = Some(target);
        }
        self
    }
}

// ---- palettes ----------------------------------------------------------

const BRICK: &[Rgb] = &[
    [0.55, 0.26, 0.19],
    [0.48, 0.22, 0.16],
    [0.62, 0.32, 0.24],
    [0.5, 0.3, 0.25],
];
const STONE: &[Rgb] = &[
    [0.74, 0.71, 0.64],
    [0.66, 0.63, 0.57],
    [0.8, 0.77, 0.7],
    [0.6, 0.58, 0.54],
];
const SANDSTONE: &[Rgb] = &[
    [0.78, 0.62, 0.43],
    [0.72, 0.56, 0.38],
    [0.84, 0.7, 0.5],
    [0.68, 0.5, 0.34],
];
const CONCRETE: &[Rgb] = &[
    [0.58, 0.58, 0.57],
    [0.5, 0.5, 0.5],
    [0.66, 0.65, 0.63],
    [0.45, 0.45, 0.46],
];
const WOOD: &[Rgb] = &[
    [0.52, 0.36, 0.22],
    [0.44, 0.3, 0.18],
    [0.6, 0.44, 0.28],
    [0.36, 0.24, 0.15],
];
const WHITE: &[Rgb] = &[[0.93, 0.92, 0.89], [0.88, 0.87, 0.83], [0.96, 0.95, 0.93]];
const COLOURFUL: &[Rgb] = &[
    [0.9, 0.74, 0.22],
    [0.24, 0.48, 0.8],
    [0.88, 0.42, 0.52],
    [0.32, 0.68, 0.42],
    [0.92, 0.52, 0.18],
    [0.94, 0.92, 0.88],
];
const PASTEL: &[Rgb] = &[
    [0.95, 0.78, 0.8],
    [0.76, 0.9, 0.82],
    [0.76, 0.85, 0.95],
    [0.97, 0.93, 0.72],
    [0.86, 0.8, 0.93],
];
const DARK: &[Rgb] = &[[0.25, 0.24, 0.24], [0.2, 0.2, 0.21], [0.3, 0.28, 0.27]];
const TERRACOTTA: &[Rgb] = &[[0.66, 0.32, 0.2], [0.6, 0.28, 0.18], [0.72, 0.38, 0.24]];
const CREAM: &[Rgb] = &[[0.9, 0.85, 0.72], [0.86, 0.8, 0.68], [0.93, 0.9, 0.8]];
const ZINC: &[Rgb] = &[[0.42, 0.45, 0.5], [0.38, 0.4, 0.45], [0.46, 0.48, 0.52]];
const THATCH: &[Rgb] = &[[0.6, 0.5, 0.3], [0.55, 0.45, 0.27]];
const CLEAR_GLASS: Rgb = [0.35, 0.5, 0.62];
const SAND: Rgb = [0.8, 0.7, 0.5];
const DRY_GRASS: Rgb = [0.6, 0.55, 0.32];
const OLIVE: Rgb = [0.35, 0.38, 0.2];

/// The hill placement bias is set by the terrain setter from `a.place`.
fn hills(c: &mut Ctx, a: &Args, relief: f32) {
    c.terrain(T::Hilly, relief, a.place);
}

fn flatten(c: &mut Ctx, _: &Args) {
    c.terrain(T::Flat, 2.0, None);
}

fn no_trees(c: &mut Ctx, _: &Args) {
    c.vegetation(0.05);
}

/// The whole vocabulary, in priority order (earlier wins ties).
fn entries() -> Vec<Entry> {
    use Place::*;
    vec![
        // ---- modifiers -------------------------------------------------
        Entry {
            phrases: &[
                "no",
                "not",
                "without",
                "never",
                "non",
                "zero",
                "none",
                "nothing",
                "lacking",
                "free of",
                "dont",
                "doesnt",
                "isnt",
                "arent",
                "wont",
                "cant",
                "aint",
                "instead of",
                "nor",
                "minus",
                "avoid",
                "except",
                "excluding",
            ],
            role: Role::Negate(1.0),
        },
        Entry {
            phrases: &[
                "few",
                "fewer",
                "less",
                "hardly",
                "barely",
                "scarcely",
                "not many",
                "not very",
                "very few",
                "very little",
                "reduced",
            ],
            role: Role::Negate(0.5),
        },
        Entry {
            phrases: &[
                "very",
                "extremely",
                "really",
                "super",
                "ultra",
                "highly",
                "incredibly",
                "insanely",
                "hyper",
                "mega",
                "heavily",
                "massively",
                "seriously",
                "exceptionally",
                "immensely",
                "truly",
                "absolutely",
                "totally",
                "thick",
                "thickly",
                "deep",
                "deeply",
                "intensely",
                "intense",
            ],
            role: Role::Intensity(1.5),
        },
        Entry {
            phrases: &[
                "lots",
                "plenty",
                "many",
                "full",
                "loads",
                "tons",
                "more",
                "mostly",
                "mainly",
                "largely",
                "predominantly",
                "primarily",
                "abundant",
                "numerous",
                "filled",
                "heavy",
            ],
            role: Role::Intensity(1.3),
        },
        Entry {
            phrases: &[
                "slightly",
                "somewhat",
                "bit",
                "mildly",
                "moderately",
                "fairly",
                "lightly",
                "partly",
                "partially",
                "kinda",
                "sorta",
                "touch",
                "light",
                "gentle",
                "gently",
                "faint",
                "occasional",
                "sprinkling",
            ],
            role: Role::Intensity(0.5),
        },
        // ---- places ----------------------------------------------------
        place(
            &[
                "north",
                "northern",
                "northward",
                "northwards",
                "northerly",
                "northeast",
                "northwest",
                "north facing",
            ],
            North,
        ),
        place(
            &[
                "south",
                "southern",
                "southward",
                "southwards",
                "southerly",
                "southeast",
                "southwest",
                "south facing",
            ],
            South,
        ),
        place(
            &[
                "east",
                "eastern",
                "eastward",
                "eastwards",
                "easterly",
                "east facing",
            ],
            East,
        ),
        place(
            &[
                "west",
                "western",
                "westward",
                "westwards",
                "westerly",
                "west facing",
            ],
            West,
        ),
        place(
            &[
                "through",
                "through middle",
                "through centre",
                "through center",
                "through city",
                "through town",
                "through heart",
                "right through",
                "centre",
                "center",
                "middle",
                "central",
                "centrally",
                "runs through",
                "cuts through",
                "bisected",
            ],
            Centre,
        ),
        place(
            &[
                "around",
                "surrounded",
                "surrounding",
                "encircled",
                "ringed",
                "everywhere",
            ],
            Around,
        ),
        // ---- colours ---------------------------------------------------
        colour(
            &["red", "reds", "scarlet", "crimson", "cherry"],
            [0.6, 0.16, 0.12],
            Target::Walls,
        ),
        colour(
            &["terracotta", "terra cotta", "clay"],
            [0.66, 0.32, 0.2],
            Target::Roofs,
        ),
        colour(
            &["orange", "amber", "tangerine"],
            [0.85, 0.45, 0.14],
            Target::Walls,
        ),
        colour(
            &["yellow", "lemon", "mustard"],
            [0.88, 0.76, 0.3],
            Target::Walls,
        ),
        colour(
            &["gold", "golden", "gilded"],
            [0.82, 0.66, 0.28],
            Target::Walls,
        ),
        colour(
            &[
                "ochre",
                "tan",
                "sandy",
                "sand coloured",
                "sand colored",
                "honey",
            ],
            [0.74, 0.56, 0.3],
            Target::Walls,
        ),
        colour(
            &["white", "snow white", "bright white"],
            [0.92, 0.91, 0.88],
            Target::Walls,
        ),
        colour(&["cream", "ivory"], [0.9, 0.85, 0.72], Target::Walls),
        colour(&["beige", "buff"], [0.8, 0.72, 0.58], Target::Walls),
        colour(
            &["grey", "gray", "greyish", "grayish"],
            [0.5, 0.5, 0.52],
            Target::Walls,
        ),
        colour(
            &["silver", "silvery", "chrome", "metallic"],
            [0.76, 0.78, 0.8],
            Target::Walls,
        ),
        colour(
            &["black", "jet black", "ebony"],
            [0.07, 0.07, 0.08],
            Target::Walls,
        ),
        colour(
            &["dark", "darker", "charcoal", "sombre", "somber"],
            [0.22, 0.21, 0.22],
            Target::Walls,
        ),
        colour(
            &["blue", "navy", "cobalt", "indigo"],
            [0.18, 0.32, 0.62],
            Target::Walls,
        ),
        colour(
            &["azure", "sky blue", "light blue", "cyan"],
            [0.35, 0.6, 0.85],
            Target::Walls,
        ),
        colour(
            &["turquoise", "teal", "aqua", "aquamarine"],
            [0.16, 0.62, 0.62],
            Target::Walls,
        ),
        colour(
            &["slate", "slate grey", "slate gray"],
            [0.3, 0.32, 0.36],
            Target::Roofs,
        ),
        colour(&["green", "greenish"], [0.25, 0.5, 0.28], Target::Greenery),
        colour(
            &["emerald", "jade", "mint"],
            [0.15, 0.55, 0.35],
            Target::Walls,
        ),
        colour(&["olive", "khaki"], [0.45, 0.45, 0.22], Target::Walls),
        colour(
            &["brown", "chocolate", "rust", "rusty", "rusted"],
            [0.42, 0.27, 0.16],
            Target::Walls,
        ),
        colour(
            &["pink", "rose", "rosy", "salmon", "coral", "magenta"],
            [0.9, 0.58, 0.62],
            Target::Walls,
        ),
        colour(
            &["purple", "violet", "lilac", "lavender", "mauve"],
            [0.55, 0.4, 0.68],
            Target::Walls,
        ),
        colour(
            &["copper", "bronze", "brass"],
            [0.7, 0.44, 0.24],
            Target::Roofs,
        ),
        // ---- colourable materials ----------------------------------------
        concept(
            &[
                "roofs",
                "roof",
                "roofed",
                "rooftops",
                "rooftop",
                "roofing",
                "tiles",
                "tiled",
                "roof tiles",
            ],
            |_, _| {},
        )
        .paints(Target::Roofs),
        concept(
            &[
                "walls",
                "wall",
                "facades",
                "facade",
                "fronts",
                "frontages",
                "painted walls",
            ],
            |_, _| {},
        )
        .paints(Target::Walls),
        concept(
            &[
                "walled",
                "city walls",
                "town walls",
                "fortified",
                "fortress",
                "ramparts",
            ],
            |c, a| {
                if !a.coloured {
                    c.era(Era::Historic);
                    c.implied(|c| c.streets(S::Organic));
                }
            },
        )
        .paints(Target::Walls),
        concept(
            &[
                "cars", "car", "taxis", "taxi", "cabs", "cab", "vehicles", "buses", "trams",
            ],
            |_, _| {},
        )
        .paints(Target::Cars),
        concept(
            &["streets", "roads", "asphalt", "pavement", "tarmac"],
            |_, _| {},
        )
        .paints(Target::Asphalt),
        concept(
            &["ground", "earth", "soil", "dirt", "sand", "sands"],
            |_, _| {},
        )
        .paints(Target::Ground),
        concept(
            &[
                "grass",
                "lawns",
                "lawn",
                "meadows",
                "meadow",
                "fields of grass",
            ],
            |c, a| {
                if !a.coloured {
                    c.vegetation(0.65);
                }
            },
        )
        .paints(Target::Grass),
        concept(
            &[
                "leaves",
                "foliage",
                "canopy",
                "autumn leaves",
                "fall leaves",
                "autumn colours",
                "autumn colors",
                "fall colours",
                "fall colors",
                "fall foliage",
                "autumn foliage",
            ],
            |c, a| {
                if !a.coloured {
                    c.implied(|c| c.season(Season::Autumn));
                }
            },
        )
        .paints(Target::Foliage),
        concept(&["water", "waters"], |_, _| {})
            .paints(Target::Water)
            .negate(|c, _| {
                c.no_river();
                c.no_coast();
                c.lakes(0.0);
            }),
        // ---- materials and palettes ---------------------------------------
        concept(
            &["brick", "bricks", "redbrick", "brickwork", "red brick"],
            |c, a| {
                if !a.coloured {
                    c.paint(Target::Walls, BRICK, "brick");
                }
            },
        )
        .paints(Target::Walls),
        concept(&["brownstone", "brownstones"], |c, _| {
            c.paint(
                Target::Walls,
                &[[0.42, 0.3, 0.24], [0.38, 0.27, 0.22], [0.48, 0.34, 0.27]],
                "brownstone",
            );
            c.more(D::Midrise, 0.5);
            c.implied(|c| c.era(Era::Historic));
        }),
        concept(
            &[
                "stone",
                "stones",
                "limestone",
                "granite",
                "stonework",
                "masonry",
                "cobbled",
                "cobbles",
                "cobblestone",
                "cobblestones",
            ],
            |c, a| {
                if !a.coloured {
                    c.paint(Target::Walls, STONE, "stone");
                }
                c.implied(|c| c.era(Era::Historic));
            },
        )
        .paints(Target::Walls),
        concept(&["marble"], |c, _| {
            c.paint(Target::Walls, WHITE, "marble");
        }),
        concept(
            &[
                "sandstone",
                "adobe",
                "mud brick",
                "mudbrick",
                "earthen",
                "mud",
            ],
            |c, _| {
                c.paint(Target::Walls, SANDSTONE, "sandstone");
            },
        ),
        concept(
            &[
                "concrete",
                "brutalist",
                "brutalism",
                "cement",
                "prefab",
                "soviet",
                "commie blocks",
            ],
            |c, _| {
                c.paint(Target::Walls, CONCRETE, "concrete");
                c.implied(|c| c.era(Era::Modern));
            },
        ),
        concept(
            &[
                "timber",
                "wooden",
                "wood",
                "log",
                "logs",
                "clapboard",
                "weatherboard",
            ],
            |c, a| {
                if !a.coloured {
                    c.paint(Target::Walls, WOOD, "wood");
                }
            },
        )
        .paints(Target::Walls),
        concept(&["half timbered", "tudor", "fachwerk"], |c, _| {
            c.paint(
                Target::Walls,
                &[[0.9, 0.88, 0.8], [0.36, 0.24, 0.15]],
                "half-timbered",
            );
            c.implied(|c| c.era(Era::Historic));
        }),
        concept(
            &[
                "glass",
                "glassy",
                "mirrored",
                "reflective",
                "steel glass",
                "glass steel",
                "steel",
                "chrome glass",
            ],
            |c, a| {
                if !a.coloured {
                    c.paint(Target::Glass, &[CLEAR_GLASS], "clear blue");
                }
                c.more(D::Downtown, 0.3);
            },
        )
        .paints(Target::Glass),
        concept(
            &[
                "colourful",
                "colorful",
                "multicoloured",
                "multicolored",
                "multi coloured",
                "multi colored",
                "rainbow",
                "vibrant",
                "bright colours",
                "bright colors",
                "brightly coloured",
                "brightly colored",
                "painted",
                "candy coloured",
                "candy colored",
                "vivid",
            ],
            |c, _| {
                c.paint(Target::Walls, COLOURFUL, "colourful");
            },
        ),
        concept(
            &[
                "pastel",
                "pastels",
                "pastel coloured",
                "pastel colored",
                "pastel colours",
                "pastel colors",
                "soft colours",
                "soft colors",
            ],
            |c, _| {
                c.paint(Target::Walls, PASTEL, "pastel");
            },
        ),
        concept(
            &[
                "whitewashed",
                "white washed",
                "whitewash",
                "stucco",
                "plastered",
            ],
            |c, _| {
                c.paint(Target::Walls, WHITE, "whitewashed");
            },
        ),
        concept(&["thatched", "thatch"], |c, _| {
            c.paint(Target::Roofs, THATCH, "thatch");
            c.implied(|c| c.era(Era::Historic));
        }),
        concept(
            &[
                "grim",
                "grimy",
                "sooty",
                "dingy",
                "bleak",
                "drab",
                "decaying",
                "derelict",
                "abandoned",
                "run down",
                "rundown",
                "dilapidated",
                "ruined",
                "ruins",
                "post apocalyptic",
                "crumbling",
            ],
            |c, _| {
                c.paint(Target::Walls, DARK, "dark");
                c.implied(|c| {
                    c.weather(W::Cloudy);
                    c.fog(0.3);
                    c.vegetation(0.3);
                });
            },
        ),
        concept(
            &[
                "mediterranean",
                "greek",
                "italian",
                "spanish",
                "santorini",
                "amalfi",
            ],
            |c, _| {
                c.paint(Target::Walls, WHITE, "whitewashed");
                c.paint(Target::Roofs, TERRACOTTA, "terracotta");
                c.implied(|c| {
                    c.coast(None);
                    c.weather(W::Clear);
                    c.season(Season::Summer);
                    c.streets(S::Organic);
                    c.floors_at_most(6);
                });
            },
        ),
        concept(
            &["scandinavian", "nordic", "norwegian", "swedish", "danish"],
            |c, _| {
                c.paint(
                    Target::Walls,
                    &[
                        [0.6, 0.18, 0.14],
                        [0.85, 0.7, 0.35],
                        [0.92, 0.9, 0.86],
                        [0.3, 0.4, 0.5],
                    ],
                    "nordic",
                );
                c.paint(Target::Roofs, DARK, "dark");
                c.implied(|c| c.floors_at_most(8));
            },
        ),
        concept(
            &["paris", "parisian", "haussmann", "haussmannian", "french"],
            |c, _| {
                c.streets(S::Radial);
                c.more(D::Midrise, 1.0);
                c.floors_at_most(8);
                c.paint(Target::Walls, CREAM, "cream");
                c.paint(Target::Roofs, ZINC, "zinc");
                c.implied(|c| c.era(Era::Historic));
            },
        ),
        concept(
            &["manhattan", "new york", "nyc", "chicago", "american city"],
            |c, _| {
                c.streets(S::Grid);
                c.more(D::Downtown, 1.0);
                c.floors_at_least(80);
                c.implied(|c| {
                    c.density(0.95);
                    c.block_size(80.0);
                });
            },
        ),
        concept(&["london", "english", "british"], |c, _| {
            c.paint(Target::Walls, BRICK, "brick");
            c.implied(|c| {
                c.streets(S::Organic);
                c.weather(W::Cloudy);
            });
        }),
        concept(&["venice", "venetian", "amsterdam", "dutch"], |c, _| {
            c.river(20.0, Some(Place::Centre));
            c.lakes(0.3);
            c.implied(|c| {
                c.era(Era::Historic);
                c.streets(S::Organic);
                c.floors_at_most(6);
            });
        }),
        concept(
            &["tokyo", "hong kong", "shanghai", "singapore", "dubai"],
            |c, _| {
                c.more(D::Downtown, 1.0);
                c.floors_at_least(90);
                c.implied(|c| {
                    c.era(Era::Futuristic);
                    c.density(0.95);
                });
            },
        ),
        // ---- size and density --------------------------------------------
        negatable(
            &[
                "dense",
                "densely",
                "packed",
                "crowded",
                "busy",
                "bustling",
                "congested",
                "cramped",
                "tight",
                "tightly packed",
                "high density",
                "compact",
                "crammed",
                "teeming",
                "overcrowded",
            ],
            |c, _| {
                c.density(0.93);
                c.block_size(72.0);
            },
            |c, _| {
                c.density(0.4);
                c.block_size(120.0);
            },
        ),
        negatable(
            &[
                "sparse",
                "sparsely",
                "spread",
                "scattered",
                "low density",
                "empty",
                "quiet",
                "peaceful",
                "tranquil",
                "spacious",
                "open",
                "airy",
            ],
            |c, _| {
                c.density(0.4);
                c.block_size(120.0);
            },
            |c, _| c.density(0.9),
        ),
        concept(
            &[
                "sleepy",
                "sleepy little",
                "quaint",
                "idyllic",
                "charming",
                "cosy",
                "cozy",
                "picturesque",
            ],
            |c, _| {
                c.density(0.45);
                c.less(D::Downtown, 0.5);
                c.less(D::Industrial, 0.5);
                c.implied(|c| c.floors_at_most(4));
            },
        ),
        concept(
            &["tiny", "minuscule", "miniature", "hamlet", "hamlets"],
            |c, _| {
                c.district_scale(250.0);
                c.more(D::Residential, 0.5);
                c.implied(|c| {
                    c.density(0.4);
                    c.floors_at_most(3);
                });
            },
        ),
        concept(&["small", "little", "modest", "petite"], |c, _| {
            c.district_scale(400.0);
            c.implied(|c| {
                c.density(0.6);
                c.floors_at_most(12);
            });
        }),
        concept(&["big", "large", "major", "great"], |c, _| {
            c.district_scale(1000.0);
            c.implied(|c| c.floors_at_least(50));
        }),
        concept(
            &[
                "huge",
                "enormous",
                "massive",
                "giant",
                "gigantic",
                "vast",
                "immense",
                "colossal",
                "endless",
                "sprawling metropolis",
                "infinite",
            ],
            |c, _| {
                c.district_scale(1500.0);
                c.implied(|c| {
                    c.density(0.85);
                    c.floors_at_least(80);
                });
            },
        ),
        concept(
            &["sprawling", "sprawl", "urban sprawl", "suburban sprawl"],
            |c, _| {
                c.district_scale(1400.0);
                c.more(D::Residential, 0.6);
                c.density(0.5);
                c.block_size(130.0);
                c.implied(|c| c.floors_at_most(20));
            },
        ),
        concept(
            &[
                "metropolis",
                "megacity",
                "megalopolis",
                "big city",
                "large city",
                "capital",
                "capital city",
                "metropolitan",
                "metro",
                "global city",
            ],
            |c, _| {
                c.more(D::Downtown, 0.6);
                c.more(D::Midrise, 0.3);
                c.district_scale(1200.0);
                c.implied(|c| {
                    c.density(0.9);
                    c.floors_at_least(70);
                });
            },
        ),
        concept(
            &["city", "cities", "cityscape", "urban", "inner city"],
            |c, _| {
                c.more(D::Midrise, 0.2);
                c.implied(|c| c.density(0.82));
            },
        ),
        concept(
            &[
                "town",
                "towns",
                "small town",
                "market town",
                "township",
                "borough",
            ],
            |c, _| {
                c.more(D::Residential, 0.4);
                c.more(D::Midrise, 0.2);
                c.less(D::Downtown, 0.5);
                c.implied(|c| {
                    c.district_scale(500.0);
                    c.density(0.6);
                    c.floors_at_most(8);
                });
            },
        ),
        concept(&["village", "villages", "small village"], |c, _| {
            c.more(D::Residential, 1.0);
            c.more(D::Park, 0.2);
            c.less(D::Downtown, 0.1);
            c.less(D::Midrise, 0.3);
            c.less(D::Industrial, 0.5);
            c.implied(|c| {
                c.district_scale(300.0);
                c.block_size(110.0);
                c.density(0.4);
                c.floors_at_most(3);
                c.streets(S::Organic);
                c.vegetation(0.65);
            });
        }),
        concept(
            &[
                "rural",
                "countryside",
                "farmland",
                "farms",
                "farm",
                "fields",
                "farming",
                "pastoral",
                "agricultural",
                "orchards",
                "vineyards",
            ],
            |c, _| {
                c.more(D::Park, 0.8);
                c.more(D::Residential, 0.5);
                c.less(D::Downtown, 0.1);
                c.density(0.3);
                c.implied(|c| {
                    c.floors_at_most(3);
                    c.vegetation(0.7);
                });
            },
        ),
        concept(
            &[
                "slum",
                "slums",
                "shanty town",
                "shantytown",
                "shanties",
                "favela",
                "favelas",
                "informal settlement",
            ],
            |c, _| {
                c.more(D::Residential, 1.0);
                c.density(0.97);
                c.block_size(55.0);
                c.floors_at_most(4);
                c.implied(|c| {
                    c.streets(S::Organic);
                    c.terrain(T::Hilly, 50.0, None);
                    c.paint(Target::Walls, COLOURFUL, "colourful");
                });
            },
        ),
        // ---- districts -----------------------------------------------------
        negatable(
            &[
                "downtown",
                "city centre",
                "city center",
                "town centre",
                "town center",
                "cbd",
                "central business district",
                "business district",
                "financial district",
                "skyline",
                "core",
            ],
            |c, _| {
                c.more(D::Downtown, 1.0);
                c.implied(|c| c.floors_at_least(50));
            },
            |c, _| {
                c.less(D::Downtown, 0.0);
                c.floors_at_most(12);
            },
        ),
        negatable(
            &[
                "glass towers",
                "glass tower",
                "glass skyscrapers",
                "glass skyscraper",
                "glass high rises",
                "steel glass towers",
                "glass steel towers",
                "mirrored towers",
                "glass buildings",
            ],
            |c, _| {
                c.more(D::Downtown, 1.0);
                c.implied(|c| c.era(Era::Futuristic));
                c.floors_at_least(60);
                c.paint(Target::Glass, &[CLEAR_GLASS], "clear blue");
            },
            |c, _| {
                c.less(D::Downtown, 0.0);
                c.floors_at_most(12);
            },
        )
        .paints(Target::Glass),
        negatable(
            &[
                "skyscrapers",
                "skyscraper",
                "towers",
                "tower",
                "high rises",
                "high rise",
                "highrise",
                "highrises",
                "tall buildings",
                "tall towers",
                "supertall",
                "spires",
                "towering",
                "high risers",
            ],
            |c, _| {
                c.more(D::Downtown, 0.8);
                c.floors_at_least(60);
            },
            |c, _| {
                c.less(D::Downtown, 0.0);
                c.floors_at_most(12);
            },
        )
        .paints(Target::Walls),
        negatable(
            &["tall", "taller", "high buildings", "lofty"],
            |c, _| c.floors_at_least(60),
            |c, _| c.floors_at_most(8),
        ),
        negatable(
            &[
                "low rise",
                "lowrise",
                "low buildings",
                "low",
                "short",
                "squat",
                "single storey",
                "single story",
                "bungalow",
            ],
            |c, _| {
                c.floors_at_most(5);
                c.less(D::Downtown, 0.3);
            },
            |c, _| c.floors_at_least(30),
        ),
        concept(
            &[
                "# floors",
                "# floor",
                "# storeys",
                "# storey",
                "# stories",
                "# story",
                "# levels",
                "# level",
                "# floored",
                "# storied",
                "# storeyed",
            ],
            |c, a| {
                if let Some(&n) = a.numbers.first() {
                    c.floors_exactly(n);
                }
            },
        ),
        concept(
            &[
                "vertical",
                "vertical city",
                "megastructure",
                "megastructures",
                "arcology",
                "arcologies",
                "megatall",
            ],
            |c, _| {
                c.more(D::Downtown, 1.2);
                c.floors_at_least(150);
                c.implied(|c| {
                    c.era(Era::Futuristic);
                    c.density(0.95);
                });
            },
        ),
        negatable(
            &[
                "offices",
                "office",
                "office buildings",
                "office blocks",
                "corporate",
                "business",
                "commercial",
                "banks",
                "headquarters",
            ],
            |c, _| {
                c.more(D::Downtown, 0.5);
                c.more(D::Midrise, 0.3);
            },
            |c, _| c.less(D::Downtown, 0.2),
        ),
        negatable(
            &[
                "apartments",
                "apartment",
                "apartment blocks",
                "apartment buildings",
                "flats",
                "tenements",
                "tenement",
                "mid rise",
                "midrise",
                "mid rises",
                "condos",
                "blocks of flats",
                "tower blocks",
                "housing blocks",
                "housing estates",
            ],
            |c, _| {
                c.more(D::Midrise, 1.0);
            },
            |c, _| c.less(D::Midrise, 0.1),
        )
        .paints(Target::Walls),
        negatable(
            &[
                "suburbs",
                "suburb",
                "suburban",
                "suburbia",
                "commuter town",
                "bedroom community",
                "cul de sacs",
                "cul de sac",
            ],
            |c, _| {
                c.more(D::Residential, 1.0);
                c.less(D::Downtown, 0.5);
                c.implied(|c| {
                    c.density(0.55);
                    c.block_size(120.0);
                    c.vegetation(0.6);
                    c.floors_at_most(10);
                });
            },
            |c, _| c.less(D::Residential, 0.3),
        ),
        negatable(
            &[
                "houses",
                "house",
                "homes",
                "home",
                "residential",
                "residences",
                "housing",
                "cottages",
                "cottage",
                "villas",
                "villa",
                "bungalows",
                "townhouses",
                "terraced houses",
                "row houses",
                "rowhouses",
                "neighbourhoods",
                "neighborhoods",
                "neighbourhood",
                "neighborhood",
                "dwellings",
                "mansions",
                "cabins",
            ],
            |c, _| {
                c.more(D::Residential, 0.8);
            },
            |c, _| c.less(D::Residential, 0.1),
        )
        .paints(Target::Walls),
        negatable(
            &[
                "buildings",
                "building",
                "architecture",
                "structures",
                "blocks",
            ],
            |_, _| {},
            |c, _| {
                c.density(0.1);
                c.less(D::Downtown, 0.0);
                c.less(D::Midrise, 0.0);
                c.less(D::Industrial, 0.0);
            },
        )
        .paints(Target::Walls),
        negatable(
            &[
                "industrial",
                "industry",
                "industries",
                "factories",
                "factory",
                "warehouses",
                "warehouse",
                "plants",
                "power plant",
                "mills",
                "mill",
                "refinery",
                "refineries",
                "workshops",
                "manufacturing",
                "rail yards",
                "railyards",
                "railyard",
                "depots",
                "depot",
                "smokestacks",
                "chimneys",
                "industrial zone",
                "industrial estate",
                "industrial park",
                "steelworks",
                "foundries",
                "foundry",
                "sheds",
                "yards",
                "storage tanks",
                "gasworks",
            ],
            |c, _| {
                c.more(D::Industrial, 1.0);
            },
            |c, _| c.less(D::Industrial, 0.0),
        ),
        negatable(
            &[
                "port",
                "ports",
                "harbour",
                "harbours",
                "harbor",
                "harbors",
                "docks",
                "dock",
                "docklands",
                "dockyard",
                "dockyards",
                "wharf",
                "wharves",
                "quay",
                "quays",
                "quayside",
                "container port",
                "container terminal",
                "seaport",
                "shipping",
                "shipyard",
                "shipyards",
                "cranes",
                "harbour town",
                "harbor town",
                "port city",
                "port town",
            ],
            |c, a| {
                c.more(D::Industrial, 0.7);
                c.coast(a.place);
            },
            |c, _| c.less(D::Industrial, 0.3),
        )
        .places(COAST),
        negatable(
            &[
                "marina",
                "marinas",
                "pier",
                "piers",
                "boardwalk",
                "promenade",
                "esplanade",
                "jetty",
                "jetties",
                "fishing",
                "fishing boats",
                "fishermen",
            ],
            |c, a| {
                c.coast(a.place);
                c.more(D::Park, 0.2);
            },
            |c, _| c.no_coast(),
        )
        .places(COAST),
        negatable(
            &[
                "parks",
                "park",
                "parkland",
                "gardens",
                "garden",
                "garden city",
                "greenery",
                "green spaces",
                "green space",
                "plazas",
                "plaza",
                "piazza",
                "piazzas",
                "square",
                "town square",
                "squares",
                "public squares",
                "botanical gardens",
                "central park",
                "greenbelt",
                "green belt",
                "playgrounds",
            ],
            |c, _| {
                c.more(D::Park, 0.7);
                c.implied(|c| c.vegetation(0.7));
            },
            |c, _| c.less(D::Park, 0.0),
        ),
        negatable(
            &[
                "shops",
                "shop",
                "shopping",
                "stores",
                "retail",
                "market",
                "markets",
                "marketplace",
                "market square",
                "bazaar",
                "bazaars",
                "souk",
                "restaurants",
                "cafes",
                "cafe",
                "bars",
                "pubs",
                "mixed use",
                "high street",
                "main street",
                "shopping streets",
                "malls",
                "mall",
            ],
            |c, _| c.more(D::Midrise, 0.5),
            |c, _| c.less(D::Midrise, 0.5),
        ),
        negatable(
            &["campus", "university", "college", "universities"],
            |c, _| {
                c.more(D::Midrise, 0.4);
                c.more(D::Park, 0.4);
            },
            |_, _| {},
        ),
        concept(
            &[
                "castle",
                "castles",
                "cathedral",
                "cathedrals",
                "church",
                "churches",
                "palace",
                "palaces",
                "abbey",
                "monastery",
                "citadel",
                "temples",
                "temple",
                "ancient ruins",
            ],
            |c, _| {
                c.implied(|c| c.era(Era::Historic));
            },
        ),
        // ---- streets -------------------------------------------------------
        negatable(
            &[
                "grid",
                "gridded",
                "grid plan",
                "grid streets",
                "street grid",
                "grid layout",
                "grid pattern",
                "gridiron",
                "checkerboard",
                "chessboard",
                "planned",
                "rectilinear",
                "straight streets",
                "straight roads",
                "orthogonal",
                "square blocks",
                "regular blocks",
            ],
            |c, _| c.streets(S::Grid),
            |c, _| c.streets(S::Organic),
        ),
        negatable(
            &[
                "organic",
                "winding",
                "winding streets",
                "winding lanes",
                "twisting",
                "twisty",
                "curving",
                "curvy",
                "meandering streets",
                "crooked",
                "irregular",
                "maze",
                "mazelike",
                "labyrinth",
                "labyrinthine",
                "unplanned",
                "chaotic",
                "messy",
                "tangled",
                "alleys",
                "alleyways",
                "alley",
                "lanes",
                "narrow lanes",
                "backstreets",
                "cobbled streets",
                "cobblestone streets",
            ],
            |c, _| {
                c.streets(S::Organic);
            },
            |c, _| c.streets(S::Grid),
        ),
        concept(
            &[
                "narrow",
                "narrow streets",
                "narrow roads",
                "tight streets",
                "small blocks",
                "short blocks",
                "tiny blocks",
            ],
            |c, _| {
                c.block_size(60.0);
                c.implied(|c| c.streets(S::Organic));
            },
        ),
        concept(
            &[
                "wide",
                "wide streets",
                "wide roads",
                "broad streets",
                "large blocks",
                "big blocks",
                "long blocks",
                "superblocks",
                "superblock",
            ],
            |c, _| {
                c.block_size(150.0);
            },
        ),
        negatable(
            &[
                "radial",
                "radiating",
                "ring road",
                "ring roads",
                "ringroad",
                "beltway",
                "orbital",
                "boulevards",
                "boulevard",
                "avenues",
                "avenue",
                "grand avenues",
                "wide avenues",
                "broad avenues",
                "roundabouts",
                "roundabout",
                "concentric",
                "spokes",
                "star shaped",
                "circular",
                "circus",
                "hub and spoke",
            ],
            |c, _| {
                c.streets(S::Radial);
            },
            |c, _| c.streets(S::Grid),
        ),
        // ---- era -----------------------------------------------------------
        negatable(
            &[
                "medieval",
                "middle ages",
                "mediaeval",
                "feudal",
                "old town",
                "old city",
                "old quarter",
                "historic centre",
                "historic center",
                "walled city",
                "walled town",
            ],
            |c, _| {
                c.era(Era::Historic);
                c.streets(S::Organic);
                c.implied(|c| {
                    c.floors_at_most(5);
                    c.block_size(70.0);
                });
            },
            |c, _| c.era(Era::Modern),
        ),
        negatable(
            &[
                "historic",
                "historical",
                "history",
                "old",
                "older",
                "ancient",
                "old fashioned",
                "traditional",
                "classical",
                "classic",
                "renaissance",
                "baroque",
                "gothic",
                "georgian",
                "colonial",
                "heritage",
                "nineteenth century",
                "eighteenth century",
                "seventeenth century",
                "sixteenth century",
                "rustic",
                "vintage",
                "antique",
                "timeless",
                "olden",
                "centuries old",
                "century old",
                "roman",
                "belle epoque",
                "edwardian",
                "regency",
                "elizabethan",
            ],
            |c, _| {
                c.era(Era::Historic);
                c.implied(|c| c.floors_at_most(10));
            },
            |c, _| c.era(Era::Modern),
        ),
        negatable(
            &["victorian", "industrial revolution", "steampunk"],
            |c, _| {
                c.era(Era::Historic);
                c.implied(|c| {
                    c.paint(Target::Walls, BRICK, "brick");
                    c.floors_at_most(8);
                });
            },
            |c, _| c.era(Era::Modern),
        ),
        negatable(
            &[
                "modern",
                "contemporary",
                "modernist",
                "mid century",
                "midcentury",
                "twentieth century",
                "new",
                "newer",
                "recent",
                "present day",
                "today",
                "postwar",
                "post war",
                "art deco",
                "deco",
                "international style",
            ],
            |c, _| {
                c.era(Era::Modern);
            },
            |c, _| c.era(Era::Historic),
        ),
        negatable(
            &[
                "futuristic",
                "future",
                "cyber",
                "sci fi",
                "scifi",
                "science fiction",
                "utopia",
                "utopian",
                "dystopia",
                "dystopian",
                "high tech",
                "hi tech",
                "hitech",
                "hightech",
                "space age",
                "advanced",
                "tomorrow",
                "solarpunk",
                "next century",
                "star wars",
                "blade runner",
                "coruscant",
                "spaceport",
            ],
            |c, _| {
                c.era(Era::Futuristic);
                c.implied(|c| c.floors_at_least(70));
            },
            |c, _| c.era(Era::Modern),
        ),
        negatable(
            &[
                "cyberpunk",
                "cyber punk",
                "neon",
                "neon lit",
                "neon lights",
                "neon signs",
                "neons",
            ],
            |c, _| {
                c.era(Era::Futuristic);
                c.implied(|c| {
                    c.time(22.5);
                    c.floors_at_least(100);
                    c.density(0.95);
                    c.fog(0.35);
                });
            },
            |c, _| c.era(Era::Modern),
        ),
        concept(
            &[
                "# th century",
                "# st century",
                "# nd century",
                "# rd century",
                "# century",
            ],
            |c, a| {
                if let Some(&n) = a.numbers.first() {
                    c.era(if n < 20.0 {
                        Era::Historic
                    } else if n < 22.0 {
                        Era::Modern
                    } else {
                        Era::Futuristic
                    });
                }
            },
        ),
        concept(&["@year", "year @year"], |c, a| {
            if let Some(&y) = a.numbers.first() {
                c.era(if y < 1900.0 {
                    Era::Historic
                } else if y <= 2030.0 {
                    Era::Modern
                } else {
                    Era::Futuristic
                });
            }
        }),
        // ---- terrain -------------------------------------------------------
        negatable(
            &[
                "flat",
                "level",
                "plains",
                "plain",
                "flatland",
                "flatlands",
                "prairie",
                "prairies",
                "lowlands",
                "lowland",
                "steppe",
                "pancake flat",
                "flat ground",
                "flat terrain",
                "plateau",
                "tableland",
                "delta",
                "floodplain",
            ],
            flatten,
            |c, _| {
                c.terrain(T::Rolling, 20.0, None);
            },
        ),
        negatable(
            &[
                "rolling",
                "rolling hills",
                "gentle hills",
                "gentle slopes",
                "undulating",
                "low hills",
                "hillocks",
                "downs",
                "dunes",
                "sand dunes",
                "mounds",
                "knolls",
                "rolling terrain",
                "rolling countryside",
            ],
            |c, a| {
                c.terrain(T::Rolling, 22.0, a.place);
            },
            flatten,
        )
        .places(HILLS),
        negatable(
            &[
                "hills",
                "hilly",
                "hill",
                "hillside",
                "hillsides",
                "hilltop",
                "hilltops",
                "slopes",
                "sloping",
                "slope",
                "hilly terrain",
                "uphill",
                "ridges",
                "ridge",
                "bluffs",
                "high ground",
            ],
            |c, a| hills(c, a, 60.0),
            flatten,
        )
        .places(HILLS),
        negatable(
            &[
                "steep",
                "steep hills",
                "steep slopes",
                "steep streets",
                "cliffs",
                "cliff",
                "clifftop",
                "clifftops",
                "cliffside",
                "crags",
                "craggy",
                "rocky",
                "rugged",
                "escarpment",
                "terraced",
                "terraces",
            ],
            |c, a| hills(c, a, 110.0),
            flatten,
        )
        .places(HILLS),
        negatable(
            &[
                "mountains",
                "mountain",
                "mountainous",
                "mountainside",
                "alpine",
                "alps",
                "peaks",
                "peak",
                "summits",
                "highlands",
                "highland",
                "himalayan",
                "andes",
                "rockies",
                "snowcapped mountains",
                "snow capped mountains",
                "snowy peaks",
                "volcano",
                "volcanoes",
                "volcanic",
                "mountain range",
                "foothills",
                "fjord",
                "fjords",
            ],
            |c, a| hills(c, a, 180.0),
            flatten,
        )
        .places(HILLS),
        concept(
            &[
                "valley", "valleys", "canyon", "canyons", "gorge", "ravine", "basin", "glen",
                "dale", "bowl",
            ],
            |c, _| {
                c.terrain(T::Hilly, 80.0, Some(Place::Around));
            },
        ),
        // ---- water ---------------------------------------------------------
        negatable(
            &[
                "river",
                "riverside",
                "riverfront",
                "riverbank",
                "riverbanks",
                "river bank",
                "river banks",
                "waterway",
                "waterways",
                "rivers",
                "estuary",
                "river mouth",
                "embankment",
                "embankments",
                "riverine",
            ],
            |c, a| {
                c.river(60.0, a.place);
            },
            |c, _| c.no_river(),
        )
        .places(NS)
        .paints(Target::Water),
        negatable(
            &[
                "wide river",
                "broad river",
                "big river",
                "great river",
                "large river",
                "mighty river",
                "huge river",
                "river delta",
            ],
            |c, a| {
                c.river(160.0, a.place);
            },
            |c, _| c.no_river(),
        )
        .places(NS)
        .paints(Target::Water),
        negatable(
            &[
                "narrow river",
                "small river",
                "little river",
                "stream",
                "streams",
                "creek",
                "creeks",
                "brook",
                "brooks",
                "rivulet",
                "canals",
                "canal",
                "canal city",
                "canal town",
            ],
            |c, a| {
                c.river(18.0, a.place);
            },
            |c, _| c.no_river(),
        )
        .places(NS)
        .paints(Target::Water),
        negatable(
            &[
                "lake",
                "lakeside",
                "lakeshore",
                "lakefront",
                "pond",
                "reservoir",
                "lagoon",
                "lagoons",
                "loch",
                "tarn",
                "mere",
            ],
            |c, _| {
                c.lakes(0.4);
            },
            |c, _| c.lakes(0.0),
        )
        .paints(Target::Water),
        negatable(
            &[
                "lakes",
                "ponds",
                "reservoirs",
                "lake district",
                "lakeland",
                "marsh",
                "marshes",
                "marshland",
                "swamp",
                "swamps",
                "wetlands",
                "wetland",
                "bog",
                "bayou",
            ],
            |c, _| {
                c.lakes(0.7);
            },
            |c, _| c.lakes(0.0),
        )
        .paints(Target::Water),
        negatable(
            &[
                "coast",
                "coastal",
                "coastline",
                "seaside",
                "sea",
                "seafront",
                "ocean",
                "oceanfront",
                "oceanside",
                "beach",
                "beaches",
                "beachfront",
                "shore",
                "shores",
                "shoreline",
                "seashore",
                "waterfront",
                "sea views",
                "surf",
                "resort",
                "seaside resort",
                "beach town",
                "beach resort",
                "atlantic",
                "pacific",
                "mediterranean sea",
            ],
            |c, a| {
                c.coast(a.place);
            },
            |c, _| c.no_coast(),
        )
        .places(COAST)
        .paints(Target::Water),
        negatable(
            &["bay", "bays", "cove", "coves", "inlet", "gulf", "firth"],
            |c, a| {
                c.coast(a.place);
                c.coast_distance(180.0);
            },
            |c, _| c.no_coast(),
        )
        .places(COAST)
        .paints(Target::Water),
        negatable(
            &[
                "island",
                "islands",
                "isle",
                "isles",
                "archipelago",
                "atoll",
                "peninsula",
                "cape",
                "headland",
                "islet",
            ],
            |c, a| {
                c.coast(a.place);
                c.coast_distance(250.0);
                c.implied(|c| c.lakes(0.2));
            },
            |c, _| c.no_coast(),
        )
        .places(COAST),
        concept(&["landlocked", "inland", "continental"], |c, _| {
            c.no_coast()
        }),
        concept(
            &[
                "flooded",
                "flooding",
                "floods",
                "flood",
                "sunken",
                "drowned",
                "submerged",
            ],
            |c, _| {
                c.lakes(0.8);
                c.implied(|c| c.weather(W::Rain));
            },
        ),
        // ---- vegetation ----------------------------------------------------
        negatable(
            &[
                "forest",
                "forests",
                "forested",
                "wooded",
                "woods",
                "woodland",
                "woodlands",
                "jungle",
                "rainforest",
                "tree covered",
                "densely wooded",
                "pine forest",
                "pines",
                "overgrown",
                "wild",
                "wilderness",
            ],
            |c, _| {
                c.vegetation(0.95);
                c.more(D::Park, 0.4);
            },
            no_trees,
        ),
        negatable(
            &[
                "leafy",
                "trees",
                "tree",
                "tree lined",
                "treelined",
                "tall trees",
                "shady",
                "shaded",
                "lush",
                "verdant",
                "green city",
                "eco",
                "ecological",
                "sustainable",
                "flowers",
                "flowering",
                "blossom",
                "blossoms",
                "cherry blossoms",
                "cherry blossom",
                "hedges",
                "vegetation",
            ],
            |c, _| {
                c.vegetation(0.85);
            },
            no_trees,
        )
        .paints(Target::Foliage),
        concept(
            &[
                "barren",
                "treeless",
                "bare",
                "bleached",
                "lifeless",
                "concrete jungle",
                "moonscape",
                "wasteland",
                "scorched",
            ],
            |c, _| {
                c.vegetation(0.05);
                c.less(D::Park, 0.3);
            },
        ),
        negatable(
            &[
                "desert",
                "deserts",
                "arid",
                "dry",
                "dusty",
                "sahara",
                "oasis",
                "semi arid",
                "savanna",
                "savannah",
                "badlands",
                "mesa",
                "scrubland",
                "scrub",
            ],
            |c, _| {
                c.vegetation(0.1);
                c.paint(Target::Ground, &[SAND], "sand");
                c.paint(Target::Grass, &[DRY_GRASS], "dry");
                c.paint(Target::Foliage, &[OLIVE], "olive");
                c.implied(|c| {
                    c.paint(Target::Walls, SANDSTONE, "sandstone");
                    c.weather(W::Clear);
                    c.fog(0.05);
                    c.season(Season::Summer);
                });
            },
            |c, _| c.vegetation(0.6),
        ),
        concept(
            &[
                "tropical",
                "tropics",
                "caribbean",
                "palm trees",
                "palms",
                "palm",
                "equatorial",
                "subtropical",
            ],
            |c, _| {
                c.vegetation(0.9);
                c.implied(|c| {
                    c.season(Season::Summer);
                    c.weather(W::Clear);
                    c.paint(Target::Foliage, &[[0.1, 0.45, 0.12]], "lush green");
                });
            },
        ),
        concept(
            &[
                "arctic",
                "polar",
                "tundra",
                "siberian",
                "antarctic",
                "glacier",
                "glaciers",
                "glacial",
                "ice",
                "iceland",
            ],
            |c, _| {
                c.season(Season::Winter);
                c.implied(|c| {
                    c.weather(W::Snow);
                    c.vegetation(0.15);
                });
            },
        ),
        // ---- time of day ---------------------------------------------------
        concept(
            &[
                "dawn",
                "daybreak",
                "first light",
                "crack dawn",
                "break dawn",
                "predawn",
                "pre dawn",
            ],
            |c, _| c.time(6.0),
        ),
        concept(&["sunrise", "sun rise", "sunup", "rising sun"], |c, _| {
            c.time(6.5)
        }),
        concept(&["early morning", "early hours"], |c, _| c.time(7.0)),
        concept(
            &[
                "morning",
                "mornings",
                "breakfast",
                "rush hour",
                "morning rush",
            ],
            |c, _| c.time(9.0),
        ),
        concept(
            &["late morning", "mid morning", "midmorning", "brunch"],
            |c, _| c.time(11.0),
        ),
        concept(
            &[
                "noon",
                "midday",
                "mid day",
                "high noon",
                "lunchtime",
                "lunch",
                "noontime",
                "mid afternoon",
            ],
            |c, _| c.time(12.0),
        ),
        concept(
            &[
                "day",
                "daytime",
                "day time",
                "daylight",
                "daylit",
                "broad daylight",
                "days",
            ],
            |c, _| c.time(13.0),
        ),
        concept(
            &["afternoon", "afternoons", "tea time", "teatime"],
            |c, _| c.time(15.0),
        ),
        concept(
            &[
                "late afternoon",
                "golden hour",
                "magic hour",
                "early evening",
            ],
            |c, _| {
                c.time(17.5);
                c.implied(|c| c.weather(W::Clear));
            },
        ),
        concept(&["evening", "evenings", "eve"], |c, _| c.time(18.5)),
        concept(&["sunset", "sundown", "sun going down"], |c, _| {
            c.time(19.0)
        }),
        concept(
            &[
                "dusk",
                "twilight",
                "blue hour",
                "gloaming",
                "nightfall",
                "late evening",
            ],
            |c, _| c.time(19.75),
        ),
        concept(
            &[
                "night",
                "nights",
                "nighttime",
                "night time",
                "nocturnal",
                "after dark",
                "dark night",
                "starry",
                "starry night",
                "moonlight",
                "moonlit",
                "late night",
                "nightlife",
            ],
            |c, _| c.time(23.0),
        ),
        concept(
            &["midnight", "middle night", "dead night", "witching hour"],
            |c, _| c.time(0.0),
        ),
        concept(&["small hours", "wee hours", "before dawn"], |c, _| {
            c.time(4.0)
        }),
        concept(&["# in evening", "# in afternoon", "# at night"], |c, a| {
            if let Some(&n) = a.numbers.first()
                && (1.0..=12.0).contains(&n)
            {
                c.time((n % 12.0) as f32 + 12.0);
            }
        }),
        concept(&["# in morning"], |c, a| {
            if let Some(&n) = a.numbers.first()
                && (1.0..=12.0).contains(&n)
            {
                c.time((n % 12.0) as f32);
            }
        }),
        concept(&["@clock", "@clock hours"], |c, a| {
            if let Some(t) = a.clock
                && (0.0..=24.0).contains(&t)
            {
                c.time(t);
            }
        }),
        // ---- seasons -------------------------------------------------------
        concept(
            &[
                "spring",
                "springtime",
                "spring time",
                "april",
                "vernal",
                "springlike",
            ],
            |c, _| c.season(Season::Spring),
        ),
        concept(
            &[
                "summer",
                "summertime",
                "summer time",
                "midsummer",
                "summery",
                "july",
                "august",
                "heatwave",
                "heat wave",
                "hot",
                "warm",
                "balmy",
                "sweltering",
            ],
            |c, _| c.season(Season::Summer),
        ),
        concept(
            &[
                "autumn",
                "autumnal",
                "fall",
                "autumn time",
                "autumntime",
                "fall time",
                "october",
                "november",
                "harvest",
                "halloween",
                "late autumn",
                "early autumn",
            ],
            |c, _| c.season(Season::Autumn),
        ),
        concept(
            &[
                "winter",
                "wintertime",
                "winter time",
                "wintry",
                "wintery",
                "midwinter",
                "december",
                "january",
                "february",
                "christmas",
                "xmas",
                "cold",
                "freezing",
                "chilly",
                "frost",
                "frosty",
                "frozen",
                "icy",
            ],
            |c, _| c.season(Season::Winter),
        ),
        // ---- weather -------------------------------------------------------
        negatable(
            &[
                "clear",
                "sunny",
                "sunshine",
                "sunlit",
                "sunlight",
                "bright",
                "blue sky",
                "blue skies",
                "clear sky",
                "clear skies",
                "cloudless",
                "fine weather",
                "good weather",
                "fair",
                "sun",
                "sunbathed",
                "sun drenched",
                "sundrenched",
            ],
            |c, _| {
                c.weather(W::Clear);
                c.fog(0.04);
            },
            |c, _| c.weather(W::Cloudy),
        ),
        negatable(
            &[
                "cloudy",
                "overcast",
                "clouds",
                "cloud",
                "clouded",
                "grey sky",
                "gray sky",
                "grey skies",
                "gray skies",
                "dull",
                "gloomy",
                "gloom",
                "dreary",
                "cloudy sky",
                "leaden",
            ],
            |c, _| {
                c.weather(W::Cloudy);
                c.fog(0.2);
            },
            |c, _| c.not_weather(W::Cloudy),
        ),
        negatable(
            &[
                "rain",
                "rainy",
                "raining",
                "rainfall",
                "rains",
                "rainstorm",
                "drizzle",
                "drizzly",
                "drizzling",
                "wet",
                "showers",
                "shower",
                "downpour",
                "pouring",
                "pouring rain",
                "monsoon",
                "puddles",
                "rainsoaked",
                "rain soaked",
                "soaked",
            ],
            |c, _| {
                c.weather(W::Rain);
                c.fog(0.35);
            },
            |c, _| c.not_weather(W::Rain),
        ),
        negatable(
            &[
                "storm",
                "stormy",
                "storms",
                "thunderstorm",
                "thunderstorms",
                "thunder",
                "lightning",
                "tempest",
                "gale",
                "hurricane",
                "typhoon",
                "torrential",
                "torrential rain",
            ],
            |c, _| {
                c.weather(W::Rain);
                c.fog(0.45);
            },
            |c, _| c.not_weather(W::Rain),
        ),
        negatable(
            &[
                "snow",
                "snowy",
                "snowing",
                "snowfall",
                "snowfalls",
                "snow covered",
                "snowcovered",
                "snowbound",
                "blizzard",
                "snowstorm",
                "snowflakes",
                "snowed",
                "sleet",
                "winter wonderland",
            ],
            |c, _| {
                c.weather(W::Snow);
                c.fog(0.3);
                c.implied(|c| c.season(Season::Winter));
            },
            |c, _| c.not_weather(W::Snow),
        ),
        negatable(
            &[
                "fog",
                "foggy",
                "fogs",
                "mist",
                "misty",
                "mists",
                "haze",
                "hazy",
                "smog",
                "smoggy",
                "murky",
                "murk",
                "fogbound",
                "pea souper",
                "low clouds",
                "steam",
                "steamy",
                "smoky",
                "smoke",
                "pollution",
                "polluted",
                "vapour",
                "vapor",
                "atmospheric",
            ],
            |c, _| {
                c.weather(W::Fog);
                c.fog(0.65);
            },
            |c, _| {
                c.not_weather(W::Fog);
                c.fog(0.0);
            },
        ),
        negatable(
            &["windy", "wind", "breezy", "blustery"],
            |c, _| {
                c.fog(0.02);
            },
            |_, _| {},
        ),
    ]
}

impl Entry {
    /// Adds a negated action to a concept.
    fn negate(mut self, neg: Act) -> Self {
        if let Role::Concept(c) = &mut self.role {
            c.neg = Some(neg);
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::super::tokens::tokenize;
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_phrase_compiles_and_is_reachable() {
        let lex = &*LEXICON;
        let mut seen = BTreeSet::new();
        let mut problems = Vec::new();
        for e in &lex.entries {
            for phrase in e.phrases {
                let key: Vec<&str> = phrase
                    .split_whitespace()
                    .filter(|w| !is_stop_word(w))
                    .collect();
                if key.is_empty() {
                    problems.push(format!("{phrase:?} is all stop words"));
                }
                if !phrase
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || " #@".contains(c))
                {
                    problems.push(format!("{phrase:?} must be lowercase ASCII words"));
                }
                if !phrase.contains(['#', '@']) {
                    // The tokenizer must give back exactly these words.
                    let toks: Vec<String> = tokenize(phrase)
                        .into_iter()
                        .filter(|t| !t.stop && t.kind == TokKind::Word)
                        .map(|t| t.text)
                        .collect();
                    if toks != key {
                        problems.push(format!("{phrase:?} tokenizes as {toks:?}"));
                    }
                }
                if !seen.insert(key.join(" ")) {
                    problems.push(format!(
                        "{phrase:?} appears twice (the later is unreachable)"
                    ));
                }
            }
        }
        assert!(problems.is_empty(), "{problems:#?}");
    }
}
