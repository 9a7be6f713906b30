//! Tests of the prompt interpreter: free English text → `WorldSpec`.

use sprawl_gen::prompt::{
    Interpretation, MAX_PROMPT_CHARS, MAX_PROMPT_WORDS, PromptError, interpret_prompt,
};
use sprawl_world::{
    Direction, DistrictKind, Era, Season, StreetPattern, TerrainKind, Weather, WorldSpec,
};

fn interpret(text: &str) -> Interpretation {
    interpret_prompt(text, &WorldSpec::default()).unwrap_or_else(|e| panic!("{text:?} failed: {e}"))
}

fn spec(text: &str) -> WorldSpec {
    interpret(text).spec
}

/// Share of a district kind in the mix.
fn share(spec: &WorldSpec, kind: DistrictKind) -> f32 {
    spec.districts.weight(kind) / spec.districts.total()
}

/// The kind with the largest weight.
fn top_district(spec: &WorldSpec) -> DistrictKind {
    DistrictKind::ALL
        .into_iter()
        .max_by(|a, b| {
            spec.districts
                .weight(*a)
                .total_cmp(&spec.districts.weight(*b))
        })
        .unwrap()
}

fn is_reddish(c: [f32; 3]) -> bool {
    c[0] > 0.45 && c[0] > c[1] * 1.6 && c[0] > c[2] * 1.6
}

fn understood_phrases(i: &Interpretation) -> Vec<&str> {
    i.understood.iter().map(|u| u.phrase.as_str()).collect()
}

const DOWNTOWN: &str =
    "dense downtown of glass towers by a river, hills to the north, autumn evening";
const VILLAGE: &str = "sleepy seaside village with red roofs";
const PORT: &str = "industrial port at night in the rain";

#[test]
fn downtown_example() {
    let base = WorldSpec::default();
    let i = interpret(DOWNTOWN);
    let s = &i.spec;
    assert!(s.water.river_width.is_some());
    assert_eq!(s.terrain.kind, TerrainKind::Hilly);
    assert!(s.terrain.north_bias > 0.0);
    assert!(s.terrain.relief > base.terrain.relief);
    assert_eq!(s.look.season, Season::Autumn);
    assert!((18.0..=19.0).contains(&s.look.time_of_day));
    assert_eq!(top_district(s), DistrictKind::Downtown);
    assert!(share(s, DistrictKind::Downtown) > 0.5);
    assert!(s.density > 0.85);
    assert!(s.heights.max_floors >= 60);
    assert_eq!(s.era, Era::Futuristic);
    assert_ne!(s.palette.glass, base.palette.glass);
    assert!(i.unused.is_empty(), "unused: {:?}", i.unused);
    assert_eq!(s.seed, base.seed);
    assert_eq!(s.prompt.as_deref(), Some(DOWNTOWN));
    let glass = i
        .understood
        .iter()
        .find(|u| u.phrase == "glass towers")
        .expect("glass towers understood as one phrase");
    assert!(glass.effect.contains("downtown weight ↑"));
    assert!(glass.effect.contains("era futuristic"));
    assert!(glass.effect.contains("max floors 60"));
    assert!(understood_phrases(&i).contains(&"hills to the north"));
}

#[test]
fn village_example() {
    let base = WorldSpec::default();
    let i = interpret(VILLAGE);
    let s = &i.spec;
    assert_eq!(s.water.coast, Some(Direction::South));
    assert_eq!(top_district(s), DistrictKind::Residential);
    assert!(share(s, DistrictKind::Residential) > 0.6);
    assert!(share(s, DistrictKind::Downtown) < 0.05);
    assert!(s.density < 0.5);
    assert!(s.heights.max_floors <= 4);
    assert!(
        s.palette.roofs.iter().all(|c| is_reddish(*c)),
        "{:?}",
        s.palette.roofs
    );
    assert_eq!(s.palette.walls, base.palette.walls);
    assert_eq!(s.streets, StreetPattern::Organic);
    assert!(understood_phrases(&i).contains(&"red roofs"));
    assert!(i.unused.is_empty(), "unused: {:?}", i.unused);
}

#[test]
fn port_example() {
    let base = WorldSpec::default();
    let i = interpret(PORT);
    let s = &i.spec;
    assert_eq!(top_district(s), DistrictKind::Industrial);
    assert!(share(s, DistrictKind::Industrial) > 0.5);
    assert!(s.water.coast.is_some());
    assert!((22.0..=24.0).contains(&s.look.time_of_day));
    assert_eq!(s.look.weather, Weather::Rain);
    assert!(s.look.fog > base.look.fog);
    assert!(i.unused.is_empty(), "unused: {:?}", i.unused);
}

#[test]
fn examples_snapshot() {
    let text = [DOWNTOWN, VILLAGE, PORT]
        .into_iter()
        .map(|p| format!("> {p}\n{}\n", interpret(p)))
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!("examples", text);
}

#[test]
fn different_prompts_give_different_specs() {
    let prompts = [
        DOWNTOWN,
        VILLAGE,
        PORT,
        "dense downtown",
        "quiet suburbs with lots of parks",
        "medieval old town with winding streets",
        "cyberpunk megacity at midnight",
        "flat desert town at noon",
        "snowy mountain village in winter",
        "paris boulevards in spring",
        "manhattan grid of skyscrapers",
        "forest town by a lake",
    ];
    let specs: Vec<WorldSpec> = prompts
        .iter()
        .map(|p| WorldSpec {
            prompt: None,
            ..spec(p)
        })
        .collect();
    for (a, sa) in prompts.iter().zip(&specs) {
        assert_ne!(sa, &WorldSpec::default(), "{a:?} changed nothing");
        for (b, sb) in prompts.iter().zip(&specs) {
            if a != b {
                assert_ne!(sa, sb, "{a:?} and {b:?} gave the same spec");
            }
        }
    }
}

#[test]
fn deterministic() {
    let bases = [
        WorldSpec::default(),
        WorldSpec {
            seed: 77,
            density: 0.2,
            ..WorldSpec::default()
        },
    ];
    for base in &bases {
        for p in [
            DOWNTOWN,
            VILLAGE,
            PORT,
            "very hilly, no river or lakes, 12 floors",
        ] {
            let a = interpret_prompt(p, base).unwrap();
            let b = interpret_prompt(p, base).unwrap();
            assert_eq!(a, b);
            assert_eq!(a.spec.seed, base.seed);
        }
    }
}

#[test]
fn case_punctuation_and_hyphens() {
    let a = spec("Dense DOWNTOWN!!! (glass-towers); river...");
    let b = spec("dense downtown glass towers river");
    assert_eq!(
        WorldSpec { prompt: None, ..a },
        WorldSpec { prompt: None, ..b }
    );

    let s = spec("red-roofed cottages");
    assert!(s.palette.roofs.iter().all(|c| is_reddish(*c)));
    assert_eq!(spec("a sci-fi city").era, Era::Futuristic);
    assert!(spec("high-rise offices").heights.max_floors >= 60);
    assert_eq!(spec("snow-covered town").look.weather, Weather::Snow);
    assert_eq!(
        spec("  the city’s old-fashioned café quarter  ").era,
        Era::Historic
    );
}

#[test]
fn multi_word_phrases_win() {
    let i = interpret("old town by a ring road");
    assert_eq!(understood_phrases(&i), ["old town", "ring road"]);
    assert_eq!(i.spec.era, Era::Historic);
    assert_eq!(i.spec.streets, StreetPattern::Radial);
    assert!(i.spec.heights.max_floors <= 5);
    // "golden hour" is a time, not a colour; "light blue" a colour, not an intensity.
    let i = interpret("golden hour, light blue walls");
    assert_eq!(understood_phrases(&i), ["golden hour", "light blue walls"]);
    assert_eq!(i.spec.palette.walls[0], [0.35, 0.6, 0.85]);
}

#[test]
fn unused_words_are_reported() {
    let i = interpret("dense downtown with dragons");
    assert!(i.unused.contains(&"dragons".to_string()), "{:?}", i.unused);
    assert!(!i.unused.iter().any(|w| w == "with"));
    let i = interpret("a city of the dragons and the unicorns, with dragons");
    assert_eq!(i.unused, ["dragons", "unicorns"]);
    let summary = i.summary();
    assert!(summary.contains("Understood:"), "{summary}");
    assert!(
        summary.contains("Unused words: dragons, unicorns"),
        "{summary}"
    );
    // A colour of an unknown thing is not applied to walls.
    let i = interpret("white houses with blue doors");
    assert_eq!(i.unused, ["blue", "doors"]);
    assert!(
        i.spec
            .palette
            .walls
            .iter()
            .all(|c| c[2] > 0.7 && c[0] > 0.7)
    );
    let nothing = interpret("zorblax frumious");
    assert!(nothing.understood.is_empty());
    assert_eq!(nothing.unused, ["zorblax", "frumious"]);
    assert_eq!(
        WorldSpec {
            prompt: None,
            ..nothing.spec.clone()
        },
        WorldSpec::default()
    );
    assert!(nothing.to_string().contains("Understood nothing"));
}

#[test]
fn negation() {
    let base = WorldSpec {
        water: sprawl_world::Water {
            river_width: Some(80.0),
            coast: Some(Direction::East),
            lakes: 0.5,
            ..Default::default()
        },
        terrain: sprawl_world::Terrain {
            kind: TerrainKind::Hilly,
            relief: 90.0,
            north_bias: 0.5,
        },
        ..WorldSpec::default()
    };
    let s = interpret_prompt("no river", &base).unwrap().spec;
    assert_eq!(s.water.river_width, None);
    assert_eq!(s.water.coast, Some(Direction::East));

    let s = interpret_prompt("a town without parks", &base)
        .unwrap()
        .spec;
    assert_eq!(s.districts.park, 0.0);
    assert!(s.districts.residential > 0.0);

    let s = interpret_prompt("no hills", &base).unwrap().spec;
    assert_eq!(s.terrain.kind, TerrainKind::Flat);
    assert!(s.terrain.relief < 5.0);

    // Negation carries across "or" but not across "but"/"with".
    let i = interpret_prompt("no lakes or coast, but a river", &base).unwrap();
    assert_eq!(i.spec.water.lakes, 0.0);
    assert_eq!(i.spec.water.coast, None);
    assert!(i.spec.water.river_width.is_some());
    let s = interpret_prompt("without trees but with parks", &base)
        .unwrap()
        .spec;
    assert!(s.vegetation < 0.1);
    assert!(s.districts.park > base.districts.park);

    // Other negations.
    assert!(spec("not dense").density < 0.5);
    assert!(spec("no skyscrapers").heights.max_floors <= 12);
    assert_eq!(spec("no industry").districts.industrial, 0.0);
    let s = interpret_prompt("rainy, no fog", &base).unwrap().spec;
    assert_eq!(s.look.weather, Weather::Rain);
    assert_eq!(s.look.fog, 0.0);
    // "few" is a partial negation, "a few" a weak positive.
    let few = spec("few trees").vegetation;
    assert!(few < 0.5 && few > spec("no trees").vegetation);
    assert!(spec("a few trees").vegetation > 0.5);
    let few_parks = spec("few parks").districts.park;
    assert!(few_parks > 0.0 && few_parks < WorldSpec::default().districts.park);
    // A negation of something with no opposite is reported, not applied.
    let i = interpret("not autumn");
    assert_eq!(i.spec.look.season, Season::Summer);
    assert_eq!(i.unused, ["autumn"]);
}

#[test]
fn intensity() {
    assert!(spec("very dense").density > spec("dense").density);
    assert!(spec("slightly dense").density < spec("dense").density);
    assert!(spec("very hilly").terrain.relief > spec("hilly").terrain.relief);
    assert!(spec("heavy fog").look.fog > spec("light fog").look.fog);
}

#[test]
fn directions() {
    let s = spec("hills to the south");
    assert!(s.terrain.north_bias < 0.0);
    let s = spec("northern mountains");
    assert!(s.terrain.north_bias > 0.0 && s.terrain.relief > 100.0);
    let s = spec("a river to the north, hills to the south");
    assert!(s.water.river_offset < 0.0);
    assert!(s.terrain.north_bias < 0.0);
    let s = spec("river through the middle");
    assert_eq!(s.water.river_offset, 0.0);
    for (p, d) in [
        ("coast to the east", Direction::East),
        ("west coast", Direction::West),
        ("sea to the north", Direction::North),
        ("beach", Direction::South),
        ("a harbour to the west", Direction::West),
        ("east coast, hills to the north", Direction::East),
    ] {
        assert_eq!(spec(p).water.coast, Some(d), "{p}");
    }
    let s = spec("east coast, hills to the north");
    assert!(s.terrain.north_bias > 0.0);
    // A place nothing can take is reported.
    assert_eq!(interpret("lakes to the east").unused, ["east"]);
    // A place goes to the nearest concept that takes places, or nowhere:
    // hills can only lie north or south.
    let i = interpret("a harbour to the east and hills to the west");
    assert_eq!(i.spec.water.coast, Some(Direction::East));
    assert_eq!(i.unused, ["west"]);
}

#[test]
fn numbers_and_times() {
    assert_eq!(spec("30 floors").heights.max_floors, 30);
    assert_eq!(spec("a 3-storey town").heights.max_floors, 3);
    assert_eq!(spec("twelve stories").heights.max_floors, 12);
    assert_eq!(spec("999 floors").heights.max_floors, 200);
    assert_eq!(spec("0 floors").heights.max_floors, 1);
    assert_eq!(spec("at 6pm").look.time_of_day, 18.0);
    assert_eq!(spec("at 6:30 am").look.time_of_day, 6.5);
    assert_eq!(spec("at 21:15").look.time_of_day, 21.25);
    assert_eq!(spec("in 1850").era, Era::Historic);
    assert_eq!(spec("the 1960s").era, Era::Modern);
    assert_eq!(spec("year 2300").era, Era::Futuristic);
    assert_eq!(spec("19th century").era, Era::Historic);
    let i = interpret("at 25:99");
    assert_eq!(i.unused, ["25:99"]);
}

/// One assertion per family of the vocabulary.
#[test]
fn vocabulary() {
    let d = WorldSpec::default();
    type Check = fn(&WorldSpec, &WorldSpec) -> bool;
    let cases: &[(&str, Check)] = &[
        // Sizes.
        ("tiny", |s, d| {
            s.district_scale < d.district_scale && s.heights.max_floors <= 3
        }),
        ("small town", |s, d| s.district_scale < d.district_scale),
        ("huge city", |s, d| s.district_scale > d.district_scale),
        ("sprawling", |s, d| {
            s.district_scale > d.district_scale && s.density < d.density
        }),
        ("dense", |s, d| s.density > d.density),
        ("sparse", |s, d| s.density < d.density),
        ("packed", |s, d| s.density > d.density),
        // Districts.
        ("downtown", |s, _| top_district(s) == DistrictKind::Downtown),
        ("skyscrapers", |s, _| {
            top_district(s) == DistrictKind::Downtown && s.heights.max_floors >= 60
        }),
        ("towers", |s, _| top_district(s) == DistrictKind::Downtown),
        ("offices", |s, d| {
            s.districts.downtown > d.districts.downtown
        }),
        ("apartments", |s, _| {
            top_district(s) == DistrictKind::Midrise
        }),
        ("suburbs", |s, _| {
            top_district(s) == DistrictKind::Residential
        }),
        ("houses", |s, _| {
            top_district(s) == DistrictKind::Residential
        }),
        ("residential", |s, _| {
            top_district(s) == DistrictKind::Residential
        }),
        ("village", |s, _| {
            top_district(s) == DistrictKind::Residential
        }),
        ("town", |s, _| top_district(s) == DistrictKind::Residential),
        ("industrial", |s, _| {
            top_district(s) == DistrictKind::Industrial
        }),
        ("factories", |s, _| {
            top_district(s) == DistrictKind::Industrial
        }),
        ("warehouses", |s, _| {
            top_district(s) == DistrictKind::Industrial
        }),
        ("harbor", |s, _| {
            top_district(s) == DistrictKind::Industrial && s.water.coast.is_some()
        }),
        ("docks", |s, _| s.water.coast.is_some()),
        ("parks", |s, _| top_district(s) == DistrictKind::Park),
        ("green", |s, d| s.vegetation > d.vegetation),
        ("forest", |s, d| {
            s.vegetation > 0.9 && s.districts.park > d.districts.park
        }),
        ("wooded", |s, _| s.vegetation > 0.9),
        // Streets.
        ("organic", |s, _| s.streets == StreetPattern::Organic),
        ("winding", |s, _| s.streets == StreetPattern::Organic),
        ("medieval", |s, _| {
            s.streets == StreetPattern::Organic && s.era == Era::Historic
        }),
        ("radial", |s, _| s.streets == StreetPattern::Radial),
        ("boulevards", |s, _| s.streets == StreetPattern::Radial),
        ("paris", |s, _| {
            s.streets == StreetPattern::Radial && s.heights.max_floors <= 8
        }),
        ("manhattan", |s, _| {
            s.streets == StreetPattern::Grid && s.heights.max_floors >= 80
        }),
        ("village with a grid", |s, _| {
            s.streets == StreetPattern::Grid
        }),
        ("grid village", |s, _| s.streets == StreetPattern::Grid),
        // Terrain.
        ("flat", |s, _| s.terrain.kind == TerrainKind::Flat),
        ("plains", |s, _| s.terrain.kind == TerrainKind::Flat),
        ("rolling", |s, _| s.terrain.kind == TerrainKind::Rolling),
        ("hilly", |s, _| s.terrain.kind == TerrainKind::Hilly),
        ("mountains", |s, _| {
            s.terrain.kind == TerrainKind::Hilly && s.terrain.relief > 150.0
        }),
        ("steep", |s, _| {
            s.terrain.kind == TerrainKind::Hilly && s.terrain.relief > 100.0
        }),
        ("valley", |s, _| {
            s.terrain.kind == TerrainKind::Hilly && s.terrain.north_bias == 0.0
        }),
        // Water.
        ("river", |s, _| s.water.river_width.is_some()),
        ("wide river", |s, _| {
            s.water.river_width.is_some_and(|w| w > 100.0)
        }),
        ("canals", |s, _| {
            s.water.river_width.is_some_and(|w| w < 30.0)
        }),
        ("lake", |s, _| s.water.lakes > 0.0),
        ("lakes", |s, _| s.water.lakes > 0.5),
        ("ocean", |s, _| s.water.coast.is_some()),
        ("bay", |s, d| {
            s.water.coast.is_some() && s.water.coast_distance < d.water.coast_distance
        }),
        ("island", |s, _| s.water.coast.is_some()),
        ("harbour", |s, _| s.water.coast.is_some()),
        // Vegetation.
        ("leafy", |s, d| s.vegetation > d.vegetation),
        ("tree-lined", |s, d| s.vegetation > d.vegetation),
        ("barren", |s, _| s.vegetation < 0.1),
        ("desert", |s, _| {
            s.vegetation < 0.2 && s.palette.ground[0] > 0.7
        }),
        // Palette.
        ("white walls", |s, _| {
            s.palette.walls.iter().all(|c| c[0] > 0.75 && c[2] > 0.7)
        }),
        ("brick", |s, _| {
            s.palette
                .walls
                .iter()
                .all(|c| is_reddish(*c) || c[0] > c[2] * 1.5)
        }),
        ("stone", |s, d| s.palette.walls != d.palette.walls),
        ("glass", |s, d| s.palette.glass != d.palette.glass),
        ("concrete", |s, _| {
            s.palette.walls.iter().all(|c| (c[0] - c[2]).abs() < 0.05)
        }),
        ("colourful", |s, _| s.palette.walls.len() >= 5),
        ("colorful", |s, _| s.palette.walls.len() >= 5),
        ("pastel", |s, _| {
            s.palette.walls.iter().all(|c| c.iter().all(|v| *v > 0.7))
        }),
        ("sandstone", |s, _| {
            s.palette.walls.iter().all(|c| c[0] > c[2] + 0.2)
        }),
        ("terracotta roofs", |s, _| {
            s.palette.roofs.iter().all(|c| c[0] > c[2] * 2.0)
        }),
        // Era.
        ("historic", |s, _| s.era == Era::Historic),
        ("old", |s, _| s.era == Era::Historic),
        ("victorian", |s, _| s.era == Era::Historic),
        ("modern", |s, _| s.era == Era::Modern),
        ("futuristic", |s, _| s.era == Era::Futuristic),
        ("cyberpunk", |s, _| {
            s.era == Era::Futuristic && s.look.time_of_day > 20.0
        }),
        ("sci fi", |s, _| s.era == Era::Futuristic),
        // Time of day.
        ("dawn", |s, _| (5.0..=7.0).contains(&s.look.time_of_day)),
        ("sunrise", |s, _| (5.0..=7.5).contains(&s.look.time_of_day)),
        ("morning", |s, _| (7.0..=11.0).contains(&s.look.time_of_day)),
        ("noon", |s, _| s.look.time_of_day == 12.0),
        ("afternoon", |s, _| {
            (13.0..=17.0).contains(&s.look.time_of_day)
        }),
        ("evening", |s, _| {
            (17.5..=20.0).contains(&s.look.time_of_day)
        }),
        ("sunset", |s, _| (18.0..=20.0).contains(&s.look.time_of_day)),
        ("dusk", |s, _| (19.0..=21.0).contains(&s.look.time_of_day)),
        ("night", |s, _| {
            s.look.time_of_day >= 21.0 || s.look.time_of_day <= 3.0
        }),
        ("midnight", |s, _| s.look.time_of_day == 0.0),
        // Seasons.
        ("spring", |s, _| s.look.season == Season::Spring),
        ("summer", |s, _| s.look.season == Season::Summer),
        ("autumn", |s, _| s.look.season == Season::Autumn),
        ("fall", |s, _| s.look.season == Season::Autumn),
        ("winter", |s, _| s.look.season == Season::Winter),
        // Weather.
        ("clear", |s, _| s.look.weather == Weather::Clear),
        ("sunny", |s, _| s.look.weather == Weather::Clear),
        ("cloudy", |s, _| s.look.weather == Weather::Cloudy),
        ("overcast", |s, _| s.look.weather == Weather::Cloudy),
        ("rain", |s, _| s.look.weather == Weather::Rain),
        ("rainy", |s, _| s.look.weather == Weather::Rain),
        ("storm", |s, _| {
            s.look.weather == Weather::Rain && s.look.fog > 0.3
        }),
        ("snow", |s, _| {
            s.look.weather == Weather::Snow && s.look.season == Season::Winter
        }),
        ("snowy", |s, _| s.look.weather == Weather::Snow),
        ("fog", |s, _| {
            s.look.weather == Weather::Fog && s.look.fog > 0.5
        }),
        ("foggy", |s, _| s.look.weather == Weather::Fog),
        ("mist", |s, _| s.look.weather == Weather::Fog),
    ];
    for (prompt, check) in cases {
        let i = interpret(prompt);
        assert!(check(&i.spec, &d), "{prompt:?} gave {:#?}", i.spec);
        assert!(i.unused.is_empty(), "{prompt:?} left {:?} unused", i.unused);
        assert!(!i.understood.is_empty(), "{prompt:?} understood nothing");
    }
}

#[test]
fn errors() {
    for blank in ["", " ", "\n\t  \r\n", "\u{3000}"] {
        assert_eq!(
            interpret_prompt(blank, &WorldSpec::default()),
            Err(PromptError::Blank)
        );
    }
    let long = "a".repeat(MAX_PROMPT_CHARS + 1);
    assert_eq!(
        interpret_prompt(&long, &WorldSpec::default()),
        Err(PromptError::TooLong {
            len: MAX_PROMPT_CHARS + 1,
            max: MAX_PROMPT_CHARS
        })
    );
    // Exactly at the limit is fine; surrounding whitespace does not count.
    let at_limit = format!("  {}  ", "a".repeat(MAX_PROMPT_CHARS));
    assert!(interpret_prompt(&at_limit, &WorldSpec::default()).is_ok());
    // Characters, not bytes.
    let emoji = "🏙".repeat(MAX_PROMPT_CHARS);
    assert!(interpret_prompt(&emoji, &WorldSpec::default()).is_ok());
    let words = "a ".repeat(MAX_PROMPT_WORDS + 1);
    assert_eq!(
        interpret_prompt(&words, &WorldSpec::default()),
        Err(PromptError::TooManyWords {
            words: MAX_PROMPT_WORDS + 1,
            max: MAX_PROMPT_WORDS
        })
    );
    for (text, code, position) in [
        ("dense\0downtown", 0, 5),
        ("\u{7}bell", 7, 0),
        ("red \u{1b}[31mroofs", 0x1b, 4),
        ("x\u{7f}", 0x7f, 1),
        ("x\u{85}y", 0x85, 1),
    ] {
        assert_eq!(
            interpret_prompt(text, &WorldSpec::default()),
            Err(PromptError::ControlCharacter { code, position }),
            "{text:?}"
        );
    }
    // Tabs and new lines are whitespace, not errors.
    assert!(interpret_prompt("dense\tdowntown\nriver\r\n", &WorldSpec::default()).is_ok());
    // Messages say what is wrong.
    for e in [
        PromptError::Blank,
        PromptError::TooLong {
            len: 2001,
            max: 2000,
        },
        PromptError::TooManyWords {
            words: 301,
            max: 300,
        },
        PromptError::ControlCharacter {
            code: 0,
            position: 3,
        },
    ] {
        assert!(e.to_string().contains("prompt"), "{e}");
    }
    assert!(
        PromptError::ControlCharacter {
            code: 0,
            position: 3
        }
        .to_string()
        .contains("U+0000")
    );
}

#[test]
fn base_is_kept_and_clamped() {
    let base = WorldSpec {
        seed: 123,
        chunk_size: 64.0,
        district_scale: 900.0,
        ..WorldSpec::default()
    };
    let s = interpret_prompt("rainy night", &base).unwrap().spec;
    assert_eq!(s.seed, 123);
    assert_eq!(s.chunk_size, 64.0);
    assert_eq!(s.district_scale, 900.0);
    assert_eq!(s.prompt.as_deref(), Some("rainy night"));

    // A broken base is repaired rather than passed on.
    let mut bad = WorldSpec {
        density: f32::NAN,
        vegetation: 7.0,
        block_size: -1.0,
        ..WorldSpec::default()
    };
    bad.heights.min_floors = 0;
    bad.heights.max_floors = 1000;
    bad.palette.walls.clear();
    bad.palette.glass = [f32::INFINITY, -1.0, 2.0];
    bad.districts = sprawl_world::DistrictMix {
        downtown: 0.0,
        midrise: 0.0,
        residential: 0.0,
        industrial: 0.0,
        park: f32::NAN,
    };
    bad.look.time_of_day = 30.0;
    bad.water.river_width = Some(f32::NAN);
    let i = interpret_prompt("dense downtown", &bad).unwrap();
    i.spec.validate().unwrap();

    // A spec from a newer Sprawl cannot be repaired.
    let newer = WorldSpec {
        version: sprawl_world::WORLD_SPEC_VERSION + 1,
        ..WorldSpec::default()
    };
    assert!(matches!(
        interpret_prompt("dense", &newer),
        Err(PromptError::InvalidBase(_))
    ));
}

/// A small deterministic generator for the fuzz test.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

#[test]
fn fuzz_never_panics_and_always_validates() {
    const WORDS: &[&str] = &[
        "no",
        "not",
        "very",
        "slightly",
        "few",
        "red",
        "white",
        "green",
        "roofs",
        "walls",
        "houses",
        "river",
        "coast",
        "hills",
        "north",
        "south",
        "east",
        "west",
        "to",
        "the",
        "of",
        "and",
        "or",
        "but",
        "with",
        "without",
        "dense",
        "sparse",
        "village",
        "downtown",
        "glass",
        "towers",
        "grid",
        "organic",
        "ring",
        "road",
        "old",
        "town",
        "night",
        "rain",
        "fog",
        "snow",
        "autumn",
        "winter",
        "dawn",
        "desert",
        "forest",
        "lakes",
        "port",
        "through",
        "middle",
        "around",
        "60",
        "floors",
        "6pm",
        "18:30",
        "1920s",
        "99:99",
        "twelve",
        "hundred",
        "storey",
        "-",
        ",",
        ".",
        ";",
        "!",
        "?",
        "'",
        "’s",
        "(",
        ")",
        "🐉",
        "🏙️",
        "👨‍👩‍👧",
        "\u{200b}",
        "\u{202e}",
        "\u{301}",
        "é",
        "ß",
        "İ",
        "ǅ",
        "東京",
        "مدينة",
        "🇫🇷",
        "\n",
        "\t",
        "  ",
        "½",
        "²",
        "٣",
        "1e309",
        "0.000001",
        "-5",
        "99999999999999999999999999999999999999",
        ":",
        "a.m.",
        "p.m.",
        "o'clock",
    ];
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let mut base = WorldSpec::default();
    let mut ok = 0;
    for round in 0..3000 {
        let mut text = String::new();
        let parts = rng.below(40);
        for _ in 0..parts {
            match rng.below(10) {
                0 => {
                    // A random code point (any plane), possibly a control or surrogate-free invalid.
                    let c = char::from_u32((rng.next() % 0x11_0000) as u32).unwrap_or('\u{fffd}');
                    text.push(c);
                }
                1 => {
                    let len = rng.below(3000);
                    text.push_str(&rng.pick(&["x", "é", "🐉", "9", "-", "a'"]).repeat(len));
                }
                _ => {
                    text.push_str(rng.pick(WORDS));
                    text.push(' ');
                }
            }
        }
        if round % 97 == 0 {
            // Odd bases too.
            base.density = [f32::NAN, 2.0, -1.0, 0.3][rng.below(4)];
            base.look.time_of_day = [24.0, f32::INFINITY, -3.0, 12.0][rng.below(4)];
        }
        let result = std::panic::catch_unwind(|| interpret_prompt(&text, &base));
        let result = result.unwrap_or_else(|_| panic!("panicked on {text:?}"));
        match result {
            Ok(i) => {
                ok += 1;
                i.spec
                    .validate()
                    .unwrap_or_else(|e| panic!("{text:?} gave an invalid spec: {e}"));
                assert_eq!(i.spec.seed, base.seed);
                assert_eq!(i.spec.prompt.as_deref(), Some(text.trim()));
                assert_eq!(
                    interpret_prompt(&text, &base).unwrap(),
                    i,
                    "not deterministic"
                );
                let _ = i.to_string();
            }
            Err(
                PromptError::Blank
                | PromptError::TooLong { .. }
                | PromptError::TooManyWords { .. }
                | PromptError::ControlCharacter { .. },
            ) => {}
            Err(e) => panic!("unexpected error {e} for {text:?}"),
        }
    }
    assert!(ok > 500, "only {ok} prompts were accepted");
}

#[test]
fn worst_case_inputs() {
    let vocabulary = "no very red-roofed glass towers to the north, ".repeat(40);
    let words: String = vocabulary
        .split_whitespace()
        .take(MAX_PROMPT_WORDS)
        .collect::<Vec<_>>()
        .join(" ");
    for text in [
        "a1".repeat(MAX_PROMPT_CHARS / 2),
        "1:".repeat(MAX_PROMPT_CHARS / 2),
        "🐉".repeat(MAX_PROMPT_CHARS),
        "x".repeat(MAX_PROMPT_CHARS),
        "9".repeat(MAX_PROMPT_CHARS),
        "-".repeat(MAX_PROMPT_CHARS),
        words,
    ] {
        let start = std::time::Instant::now();
        let i = interpret_prompt(&text, &WorldSpec::default()).unwrap();
        i.spec.validate().unwrap();
        assert!(start.elapsed().as_secs() < 5, "too slow on {text:?}");
    }
}
