//! Sketch interpreter: the sample sketches, JPEG input, bad inputs,
//! determinism and serialisation of the layout.

use image::{ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
use sprawl_gen::sketch::{
    CellCounts, SketchError, SketchOptions, SketchReport, classify_colour, drawing_colour,
    interpret_sketch, interpret_sketch_file,
};
use sprawl_world::{SketchCell, SketchLayout, WorldSpec};
use std::path::PathBuf;

/// The script that draws the sample sketches; its `main` is unused here.
#[path = "../examples/make_sketches.rs"]
#[allow(dead_code)]
mod make_sketches;

fn asset(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../assets/sketches")
        .join(name)
}

fn read_asset(name: &str) -> Vec<u8> {
    std::fs::read(asset(name)).expect("sample sketch present")
}

fn interpret(bytes: &[u8]) -> SketchReport {
    interpret_sketch(bytes, &SketchOptions::default()).expect("interprets")
}

fn png(img: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), ImageFormat::Png)
        .unwrap();
    out
}

fn jpeg(img: &RgbImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(img)
        .unwrap();
    out
}

/// World `(x, z)` of the centre of pixel `(px, py)` under default options.
fn world(layout: &SketchLayout, px: f32, py: f32) -> (f32, f32) {
    (
        layout.origin[0] + (px + 0.5) * layout.metres_per_pixel,
        layout.origin[1] + (py + 0.5) * layout.metres_per_pixel,
    )
}

fn cell_px(layout: &SketchLayout, px: f32, py: f32) -> Option<SketchCell> {
    let (x, z) = world(layout, px, py);
    layout.cell_at(x, z)
}

/// Checks what every good layout must satisfy.
fn check_layout(report: &SketchReport) {
    let l = &report.layout;
    l.validate().expect("valid layout");
    assert_eq!(report.counts, CellCounts::of(&l.cells));
    assert_eq!(
        report.counts.total(),
        u64::from(l.width) * u64::from(l.height)
    );
    assert_eq!(report.road_polylines, l.roads.len());
    let r = l.region();
    for line in &l.roads {
        assert!(line.len() >= 2, "{line:?}");
        for p in line {
            assert!(
                p[0] >= r.x0 - 1e-3
                    && p[0] <= r.x1 + 1e-3
                    && p[1] >= r.z0 - 1e-3
                    && p[1] <= r.z1 + 1e-3,
                "{p:?} outside the sketch"
            );
        }
    }
}

/// Road end points lying exactly on the sketch border.
fn ends_on_border(l: &SketchLayout) -> usize {
    let r = l.region();
    l.roads
        .iter()
        .flat_map(|line| [line[0], line[line.len() - 1]])
        .filter(|p| p[0] == r.x0 || p[0] == r.x1 || p[1] == r.z0 || p[1] == r.z1)
        .count()
}

#[test]
fn riverside_sample() {
    let report = interpret(&read_asset("riverside.png"));
    check_layout(&report);
    let (l, c) = (&report.layout, report.counts);
    assert_eq!((l.width, l.height), (256, 256));
    assert_eq!(l.metres_per_pixel, 4.0);
    assert_eq!(l.origin, [-512.0, -512.0], "centred on the world origin");
    assert!(c.water > 4000, "{c:?}");
    assert!(c.downtown > 1500 && c.midrise > 3000, "{c:?}");
    assert!(c.park > 1500 && c.residential > 8000, "{c:?}");
    assert!(c.road > 3000 && c.industrial == 0, "{c:?}");
    assert!(report.road_polylines >= 15, "{}", report.road_polylines);
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    // The river where it was drawn, downtown and park where they were drawn.
    assert_eq!(cell_px(l, 123.0, 128.0), Some(SketchCell::Water));
    assert_eq!(cell_px(l, 195.0, 110.0), Some(SketchCell::Downtown));
    assert_eq!(cell_px(l, 60.0, 182.0), Some(SketchCell::Park));
    assert_eq!(cell_px(l, 100.0, 240.0), Some(SketchCell::Unspecified));
    // The avenue at image row 140 is traced across the river (a bridge).
    let (_, avenue_z) = world(l, 0.0, 140.0);
    let bridge = l.roads.iter().any(|line| {
        let near = line.iter().all(|p| (p[1] - avenue_z).abs() < 12.0);
        let xs = line.iter().map(|p| p[0]);
        let (lo, hi) = xs.fold((f32::MAX, f32::MIN), |(a, b), x| (a.min(x), b.max(x)));
        near && lo < world(l, 100.0, 0.0).0 && hi > world(l, 140.0, 0.0).0
    });
    assert!(bridge, "no road across the river: {:?}", l.roads);
    // Roads that run off the drawing reach its edge exactly.
    assert!(ends_on_border(l) >= 6, "{}", ends_on_border(l));
}

#[test]
fn harbour_sample() {
    let report = interpret(&read_asset("harbour.png"));
    check_layout(&report);
    let (l, c) = (&report.layout, report.counts);
    assert!(c.water > 20000 && c.industrial > 3000, "{c:?}");
    assert!(c.residential > 15000 && c.park > 800, "{c:?}");
    assert!(report.road_polylines >= 10, "{}", report.road_polylines);
    assert_eq!(
        cell_px(l, 250.0, 250.0),
        Some(SketchCell::Water),
        "open sea"
    );
    assert_eq!(cell_px(l, 5.0, 5.0), Some(SketchCell::Residential));
    assert_eq!(
        cell_px(l, 180.0, 145.0),
        Some(SketchCell::Industrial),
        "a pier"
    );
}

#[test]
fn ring_town_sample() {
    let report = interpret(&read_asset("ring_town.png"));
    check_layout(&report);
    let (l, c) = (&report.layout, report.counts);
    assert!(c.midrise > 6000 && c.residential > 20000, "{c:?}");
    assert!(c.downtown > 800 && c.water > 800 && c.park > 300, "{c:?}");
    assert_eq!(l.cell_at(2.0, 2.0), Some(SketchCell::Downtown), "the core");
    // 8 arcs of each ring and 8 spokes inside and outside the ring road.
    assert!(report.road_polylines >= 24, "{}", report.road_polylines);
    // The ring road (radius 92 px) meets the 8 spokes at 8 shared junctions.
    let ring = 92.0 * 4.0;
    let mut junctions: Vec<[f32; 2]> = Vec::new();
    for p in l
        .roads
        .iter()
        .flat_map(|line| [line[0], line[line.len() - 1]])
    {
        if ((p[0] + 2.0).hypot(p[1] + 2.0) - ring).abs() < 16.0
            && !junctions
                .iter()
                .any(|q| (q[0] - p[0]).hypot(q[1] - p[1]) < 8.0)
        {
            junctions.push(p);
        }
    }
    assert_eq!(junctions.len(), 8, "{junctions:?}");
    assert!(ends_on_border(l) >= 8, "{}", ends_on_border(l));
}

#[test]
fn jpeg_sample_matches_png() {
    let from_png = interpret(&read_asset("riverside.png"));
    let from_jpeg = interpret(&read_asset("riverside.jpg"));
    check_layout(&from_jpeg);
    for cell in [
        SketchCell::Water,
        SketchCell::Park,
        SketchCell::Road,
        SketchCell::Downtown,
        SketchCell::Midrise,
        SketchCell::Residential,
    ] {
        let (a, b) = (
            from_png.counts.get(cell) as f64,
            from_jpeg.counts.get(cell) as f64,
        );
        assert!((a - b).abs() <= 0.03 * a, "{cell:?}: png {a}, jpeg {b}");
    }
    assert!(
        from_png.road_polylines.abs_diff(from_jpeg.road_polylines) <= 3,
        "png {}, jpeg {}",
        from_png.road_polylines,
        from_jpeg.road_polylines
    );
}

#[test]
fn low_quality_jpeg_still_reads() {
    let img = image::load_from_memory(&read_asset("harbour.png"))
        .unwrap()
        .into_rgb8();
    let clean = interpret(&png(&img));
    let noisy = interpret(&jpeg(&img, 35));
    check_layout(&noisy);
    for cell in [
        SketchCell::Water,
        SketchCell::Industrial,
        SketchCell::Residential,
    ] {
        let (a, b) = (clean.counts.get(cell) as f64, noisy.counts.get(cell) as f64);
        assert!((a - b).abs() <= 0.05 * a, "{cell:?}: png {a}, jpeg {b}");
    }
    assert!(noisy.road_polylines >= 10, "{}", noisy.road_polylines);
    assert!(
        noisy.road_polylines <= clean.road_polylines + 6,
        "{}",
        noisy.road_polylines
    );
}

#[test]
fn interpretation_is_deterministic() {
    for name in ["riverside.jpg", "ring_town.png"] {
        let bytes = read_asset(name);
        assert_eq!(interpret(&bytes), interpret(&bytes), "{name}");
    }
}

#[test]
fn layout_round_trips_through_json_and_validates() {
    let report = interpret(&read_asset("ring_town.png"));
    let json = serde_json::to_string(&report.layout).unwrap();
    let back: SketchLayout = serde_json::from_str(&json).unwrap();
    assert_eq!(back, report.layout);
    back.validate().unwrap();
    let spec = WorldSpec {
        sketch: Some(back),
        ..WorldSpec::default()
    };
    spec.validate().unwrap();
    let spec_back: WorldSpec =
        serde_json::from_str(&serde_json::to_string(&spec).unwrap()).unwrap();
    assert_eq!(spec_back, spec);
}

#[test]
fn file_convenience_and_io_errors() {
    let report = interpret_sketch_file(asset("harbour.png"), &SketchOptions::default()).unwrap();
    assert_eq!(report, interpret(&read_asset("harbour.png")));
    let missing = asset("no_such_sketch.png");
    match interpret_sketch_file(&missing, &SketchOptions::default()) {
        Err(e @ SketchError::Io { .. }) => {
            assert!(e.to_string().contains("no_such_sketch.png"), "{e}")
        }
        other => panic!("expected Io, got {other:?}"),
    }
    let dir = interpret_sketch_file(asset(""), &SketchOptions::default());
    assert!(matches!(dir, Err(SketchError::Io { .. })), "{dir:?}");
    let small = SketchOptions {
        max_bytes: 1000,
        ..SketchOptions::default()
    };
    let big = interpret_sketch_file(asset("harbour.png"), &small);
    assert!(matches!(big, Err(SketchError::TooLarge(_))), "{big:?}");
}

#[test]
fn options_place_and_scale_the_layout() {
    let bytes = read_asset("riverside.png");
    let base = interpret(&bytes);
    let opts = SketchOptions {
        metres_per_pixel: 2.0,
        origin: Some([100.0, -50.0]),
        ..SketchOptions::default()
    };
    let moved = interpret_sketch(&bytes, &opts).unwrap();
    check_layout(&moved);
    let (a, b) = (&base.layout, &moved.layout);
    assert_eq!(b.origin, [100.0, -50.0]);
    assert_eq!(b.metres_per_pixel, 2.0);
    assert_eq!(a.cells, b.cells);
    assert_eq!(a.roads.len(), b.roads.len());
    for (la, lb) in a.roads.iter().zip(&b.roads) {
        for (pa, pb) in la.iter().zip(lb) {
            let expect = [100.0 + (pa[0] + 512.0) / 2.0, -50.0 + (pa[1] + 512.0) / 2.0];
            assert!((expect[0] - pb[0]).abs() < 1e-3 && (expect[1] - pb[1]).abs() < 1e-3);
        }
    }
}

/// A tiny drawing: a vertical road through a lake, on a transparent or
/// white background.
#[test]
fn transparency_greyscale_and_pixel_mapping() {
    let mut img = RgbaImage::from_pixel(40, 30, Rgba([0, 0, 0, 0]));
    let water = drawing_colour(SketchCell::Water);
    for (x, y, p) in img.enumerate_pixels_mut() {
        if (5..15).contains(&x) && (5..25).contains(&y) {
            *p = Rgba([water[0], water[1], water[2], 255]);
        }
        if (29..32).contains(&x) {
            *p = Rgba([0, 0, 0, 255]);
        }
    }
    let mut bytes = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut bytes), ImageFormat::Png)
        .unwrap();
    let opts = SketchOptions {
        origin: Some([0.0, 0.0]),
        metres_per_pixel: 10.0,
        ..SketchOptions::default()
    };
    let r = interpret_sketch(&bytes, &opts).unwrap();
    check_layout(&r);
    assert_eq!(r.counts.water, 200);
    assert_eq!(r.counts.road, 90);
    assert_eq!(
        r.layout.cell_at(0.0, 0.0),
        Some(SketchCell::Unspecified),
        "transparent is paper"
    );
    assert_eq!(r.layout.cell_at(55.0, 55.0), Some(SketchCell::Water));
    assert_eq!(r.layout.cell_at(305.0, 15.0), Some(SketchCell::Road));
    // One straight road down the centre of columns 29..32 (x = 305 m),
    // from the top edge to the bottom edge.
    assert_eq!(r.layout.roads, vec![vec![[305.0, 0.0], [305.0, 300.0]]]);

    // The same sketch as 8-bit greyscale: only the road survives.
    let grey = image::GrayImage::from_fn(40, 30, |x, _| {
        image::Luma([if (29..32).contains(&x) { 20 } else { 250 }])
    });
    let mut bytes = Vec::new();
    grey.write_to(&mut std::io::Cursor::new(&mut bytes), ImageFormat::Png)
        .unwrap();
    let r = interpret_sketch(&bytes, &opts).unwrap();
    assert_eq!(r.counts.road, 90);
    assert_eq!(r.road_polylines, 1);
}

#[test]
fn speckles_are_noise() {
    let mut img = RgbImage::from_pixel(64, 64, Rgb(drawing_colour(SketchCell::Park)));
    for (x, y) in [(10, 10), (30, 31), (50, 12), (20, 50)] {
        img.put_pixel(x, y, Rgb([0, 0, 0]));
        img.put_pixel(x + 1, y, Rgb(drawing_colour(SketchCell::Downtown)));
        img.put_pixel(x, y + 1, Rgb(drawing_colour(SketchCell::Water)));
    }
    let r = interpret(&png(&img));
    assert_eq!(r.counts.park, 64 * 64, "{:?}", r.counts);
    assert_eq!(r.road_polylines, 0);
    assert!(
        r.warnings.iter().any(|w| w.contains("no roads")),
        "{:?}",
        r.warnings
    );
}

fn expect_err(bytes: &[u8], opts: &SketchOptions, what: &str, ok: impl Fn(&SketchError) -> bool) {
    match interpret_sketch(bytes, opts) {
        Err(e) if ok(&e) => assert!(!e.to_string().is_empty()),
        Err(e) => panic!("{what}: unexpected error {e:?}"),
        Ok(r) => panic!(
            "{what}: unexpectedly read {:?}, {} roads",
            r.counts, r.road_polylines
        ),
    }
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    let mut chunk = kind.to_vec();
    chunk.extend(data);
    out.extend((data.len() as u32).to_be_bytes());
    out.extend(&chunk);
    out.extend(crc32(&chunk).to_be_bytes());
}

/// A well-formed PNG claiming `w × h` RGB pixels whose image data is an
/// empty zlib stream: only the header is meaningful.
fn png_header_only(w: u32, h: u32) -> Vec<u8> {
    let mut ihdr = w.to_be_bytes().to_vec();
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    png_chunk(&mut out, b"IHDR", &ihdr);
    png_chunk(
        &mut out,
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    );
    png_chunk(&mut out, b"IEND", &[]);
    out
}

#[test]
fn not_images() {
    let d = SketchOptions::default();
    let not = |e: &SketchError| matches!(e, SketchError::NotAnImage(_));
    expect_err(b"", &d, "empty", not);
    expect_err(b"a sketch of a city with a river\n", &d, "text", not);
    expect_err(b"{\"version\": 1, \"seed\": 3}", &d, "json", not);
    let mut glb = b"glTF".to_vec();
    glb.extend(2u32.to_le_bytes());
    glb.extend(1024u32.to_le_bytes());
    glb.extend([0u8; 64]);
    expect_err(&glb, &d, "glb", |e| {
        not(e) && e.to_string().contains("glTF")
    });
    expect_err(b"GIF89a\x10\x00\x10\x00\x00\x00\x00", &d, "gif", not);
    let png = read_asset("riverside.png");
    expect_err(&png[..png.len() / 2], &d, "truncated png", not);
    expect_err(&png[..20], &d, "cut inside the header", not);
    expect_err(&png_header_only(256, 256), &d, "header without data", not);
    let jpg = read_asset("riverside.jpg");
    expect_err(&jpg[..200], &d, "truncated jpeg", not);
}

#[test]
fn too_large_is_refused_before_decoding() {
    let d = SketchOptions::default();
    let large = |e: &SketchError| matches!(e, SketchError::TooLarge(_));
    // The header alone says 50000×50000; there is no pixel data to decode.
    expect_err(&png_header_only(50_000, 50_000), &d, "huge header", large);
    expect_err(
        &png_header_only(u32::MAX >> 1, 4),
        &d,
        "very wide header",
        large,
    );
    let bytes = read_asset("riverside.png");
    let few_pixels = SketchOptions {
        max_pixels: 100 * 100,
        ..d
    };
    expect_err(&bytes, &few_pixels, "max_pixels", large);
    let few_bytes = SketchOptions {
        max_bytes: 1024,
        ..d
    };
    expect_err(&bytes, &few_bytes, "max_bytes", large);
}

#[test]
fn too_small_is_refused() {
    let img = RgbImage::from_pixel(4, 4, Rgb([0, 0, 0]));
    expect_err(&png(&img), &SketchOptions::default(), "4×4", |e| {
        matches!(
            e,
            SketchError::TooSmall {
                width: 4,
                height: 4
            }
        )
    });
    let img = RgbImage::from_pixel(200, 7, Rgb([0, 0, 0]));
    expect_err(&png(&img), &SketchOptions::default(), "200×7", |e| {
        matches!(e, SketchError::TooSmall { .. })
    });
}

#[test]
fn nothing_recognised() {
    let d = SketchOptions::default();
    let nothing = |e: &SketchError| matches!(e, SketchError::NothingRecognised { .. });
    let white = RgbImage::from_pixel(128, 128, Rgb([255, 255, 255]));
    expect_err(&png(&white), &d, "blank paper", |e| {
        nothing(e) && e.to_string().contains("blank")
    });
    let magenta = RgbImage::from_pixel(128, 128, Rgb([255, 0, 255]));
    expect_err(&png(&magenta), &d, "magenta", |e| {
        nothing(e) && e.to_string().contains("#ff00ff")
    });
    expect_err(&jpeg(&magenta, 50), &d, "magenta jpeg", nothing);

    // Deterministic pseudo-random pixels.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    // Uniform RGB noise.
    let noise = RgbImage::from_fn(128, 128, |_, _| {
        let v = next();
        Rgb([v as u8, (v >> 8) as u8, (v >> 16) as u8])
    });
    expect_err(&png(&noise), &d, "rgb noise", |e| {
        nothing(e) && e.to_string().contains("noise")
    });
    // Off-legend noise (magenta, hot pink and mint) with 0.5% of
    // scattered legend-coloured dots.
    let off = [[255, 0, 255], [255, 0, 160], [0, 255, 160]];
    assert!(off.iter().all(|c| classify_colour(*c).is_none()));
    let legend = [
        SketchCell::Water,
        SketchCell::Park,
        SketchCell::Road,
        SketchCell::Downtown,
    ];
    let sprinkled = RgbImage::from_fn(128, 128, |_, _| {
        let v = next();
        if v % 1000 < 5 {
            Rgb(drawing_colour(legend[(v >> 20) as usize % legend.len()]))
        } else {
            Rgb(off[(v >> 32) as usize % off.len()])
        }
    });
    expect_err(&png(&sprinkled), &d, "sprinkled noise", nothing);
}

#[test]
fn invalid_options() {
    let bytes = read_asset("ring_town.png");
    let invalid = |e: &SketchError| matches!(e, SketchError::InvalidOptions(_));
    let d = SketchOptions::default();
    for mpp in [f32::NAN, 0.0, -4.0, f32::INFINITY] {
        let o = SketchOptions {
            metres_per_pixel: mpp,
            ..d
        };
        expect_err(&bytes, &o, &format!("mpp {mpp}"), invalid);
        let e = interpret_sketch_file(asset("ring_town.png"), &o).unwrap_err();
        assert!(invalid(&e), "{e:?}");
    }
    expect_err(
        &bytes,
        &SketchOptions {
            origin: Some([f32::NAN, 0.0]),
            ..d
        },
        "nan origin",
        invalid,
    );
    expect_err(
        &bytes,
        &SketchOptions {
            origin: Some([0.0, f32::NEG_INFINITY]),
            ..d
        },
        "inf origin",
        invalid,
    );
    expect_err(
        &bytes,
        &SketchOptions {
            metres_per_pixel: 1e37,
            ..d
        },
        "overflowing extent",
        invalid,
    );
    expect_err(
        &bytes,
        &SketchOptions { max_pixels: 0, ..d },
        "max_pixels 0",
        invalid,
    );
    expect_err(
        &bytes,
        &SketchOptions {
            max_pixels: u64::MAX,
            ..d
        },
        "max_pixels huge",
        invalid,
    );
    expect_err(
        &bytes,
        &SketchOptions { max_bytes: 0, ..d },
        "max_bytes 0",
        invalid,
    );
}

/// The shipped samples are exactly what `make_sketches` draws, so they can
/// be remade (and changed) from the script.
#[test]
fn sample_sketches_are_what_the_script_draws() {
    let samples = make_sketches::samples();
    for (name, drawn) in &samples {
        let shipped = image::open(asset(&format!("{name}.png")))
            .expect("sample decodes")
            .to_rgb8();
        assert!(
            shipped == *drawn,
            "assets/sketches/{name}.png differs from what make_sketches draws; rerun it"
        );
    }
    let jpeg = make_sketches::jpeg(&samples[0].1).expect("encodes");
    assert!(
        jpeg == read_asset("riverside.jpg"),
        "assets/sketches/riverside.jpg differs from what make_sketches writes; rerun it"
    );
}
