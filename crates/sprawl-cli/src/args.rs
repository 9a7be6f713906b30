//! Parsing of command-line values: regions, vectors, ids, classes, scales.
//!
//! Every parser rejects NaN, infinities and absurd magnitudes, so nothing
//! from the command line can put a non-finite number into a world.

use clap::Args;
use sprawl_world::{ObjectId, Region, SemanticClass};

/// Largest coordinate accepted anywhere (metres): 10 000 km from the origin,
/// far inside the range where chunk indices stay exact.
pub const MAX_COORD: f32 = 1.0e7;

/// A region and the threads to generate it with (shared by `gen`, `map`,
/// `export` and `objects`).
#[derive(Debug, Args)]
pub struct RegionArgs {
    /// Region of the ground in metres: X0,Z0,X1,Z1 with X0 < X1 (west to
    /// east) and Z0 < Z1 (north to south). Every chunk (128 m square by
    /// default) that overlaps it is used; e.g. -512,-512,512,512 is 1 km²,
    /// 64 chunks of 128 m. At most 64 km².
    #[arg(
        long,
        value_name = "X0,Z0,X1,Z1",
        allow_hyphen_values = true,
        value_parser = parse_region
    )]
    pub region: Region,
    /// Worker threads for generating chunks (default: one per CPU core).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
}

/// A 3-vector from the command line (metres, or a size in metres).
pub type Vec3Arg = [f32; 3];

/// Where `edit add` puts an object: a full point, or a ground point whose
/// height the generator supplies.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Position {
    /// `X,Y,Z` metres.
    Point([f32; 3]),
    /// `X,Z` metres, standing on the generated ground.
    OnGround([f32; 2]),
}

/// Parses comma-separated finite numbers, `what` naming them in errors.
fn numbers(s: &str, what: &str, expected: &[usize]) -> Result<Vec<f32>, String> {
    let parts: Vec<&str> = s.split(',').map(str::trim).collect();
    if !expected.contains(&parts.len()) {
        let want: Vec<String> = expected.iter().map(|n| n.to_string()).collect();
        return Err(format!(
            "{what} needs {} comma-separated numbers, got {} in `{s}`",
            want.join(" or "),
            parts.len()
        ));
    }
    parts
        .iter()
        .map(|p| {
            let v: f32 = p
                .parse()
                .map_err(|_| format!("`{p}` is not a number (in {what} `{s}`)"))?;
            if !v.is_finite() {
                return Err(format!("`{p}` is not a finite number (in {what} `{s}`)"));
            }
            if v.abs() > MAX_COORD {
                return Err(format!(
                    "`{p}` is out of range (in {what} `{s}`); coordinates must lie within ±{MAX_COORD} m"
                ));
            }
            Ok(v)
        })
        .collect()
}

/// Parses `X0,Z0,X1,Z1` (metres) into a region with positive width and depth.
pub fn parse_region(s: &str) -> Result<Region, String> {
    let v = numbers(s, "the region X0,Z0,X1,Z1", &[4])?;
    let (x0, z0, x1, z1) = (v[0], v[1], v[2], v[3]);
    if x0 >= x1 {
        return Err(format!(
            "region `{s}`: X0 ({x0}) must be less than X1 ({x1}) (X0,Z0 is the north-west corner)"
        ));
    }
    if z0 >= z1 {
        return Err(format!(
            "region `{s}`: Z0 ({z0}) must be less than Z1 ({z1}) (X0,Z0 is the north-west corner)"
        ));
    }
    Ok(Region { x0, z0, x1, z1 })
}

/// Parses `X,Y,Z` metres.
pub fn parse_vec3(s: &str) -> Result<Vec3Arg, String> {
    let v = numbers(s, "the position X,Y,Z", &[3])?;
    Ok([v[0], v[1], v[2]])
}

/// Parses `X,Y,Z` or `X,Z` metres.
pub fn parse_position(s: &str) -> Result<Position, String> {
    let v = numbers(s, "the position X,Y,Z (or X,Z)", &[3, 2])?;
    match v[..] {
        [x, y, z] => Ok(Position::Point([x, y, z])),
        [x, z] => Ok(Position::OnGround([x, z])),
        _ => Err(format!("`{s}` is not X,Y,Z or X,Z")),
    }
}

/// Largest side of an added box (metres).
pub const MAX_BOX_SIDE: f32 = 1000.0;

/// Parses a box size `W,H,D` in metres, each in `(0, 1000]`.
pub fn parse_size(s: &str) -> Result<Vec3Arg, String> {
    let v = numbers(s, "the size W,H,D", &[3])?;
    if let Some(bad) = v.iter().find(|x| **x <= 0.0 || **x > MAX_BOX_SIDE) {
        return Err(format!(
            "size `{s}`: {bad} m is out of range; each side must be above 0 and at most {MAX_BOX_SIDE} m"
        ));
    }
    Ok([v[0], v[1], v[2]])
}

/// Parses an angle in degrees (finite, within ±36 000).
pub fn parse_degrees(s: &str) -> Result<f32, String> {
    let v: f32 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number of degrees"))?;
    if !v.is_finite() || v.abs() > 36_000.0 {
        return Err(format!(
            "`{s}` is not a usable angle; give finite degrees, e.g. 90"
        ));
    }
    Ok(v)
}

fn parse_scale(s: &str, lo: f32, hi: f32) -> Result<f32, String> {
    let v: f32 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number of metres per pixel"))?;
    if !v.is_finite() || v < lo || v > hi {
        return Err(format!(
            "`{s}` is out of range; metres per pixel must be between {lo} and {hi}"
        ));
    }
    Ok(v)
}

/// Parses a map scale in metres per pixel (0.01 to 1000).
pub fn parse_map_scale(s: &str) -> Result<f32, String> {
    parse_scale(s, 0.01, 1000.0)
}

/// Parses a sketch scale in metres per pixel (0.1 to 1000).
pub fn parse_sketch_scale(s: &str) -> Result<f32, String> {
    parse_scale(s, 0.1, 1000.0)
}

/// Parses the output path of `sprawl map`: it writes PNG only, so the name
/// must end in `.png` (any case); anything else (`.jpg`, no extension) is
/// refused rather than filled with PNG bytes.
pub fn parse_png_path(s: &str) -> Result<std::path::PathBuf, String> {
    let path = std::path::PathBuf::from(s);
    match path.extension().and_then(|e| e.to_str()) {
        Some(ext) if ext.eq_ignore_ascii_case("png") => Ok(path),
        Some(ext) => Err(format!(
            "`{s}`: maps are written as PNG only, not .{ext}; name the output *.png"
        )),
        None => Err(format!(
            "`{s}` has no .png extension; maps are written as PNG only, name the output *.png"
        )),
    }
}

/// Parses an object id `X:Z:HEX`.
pub fn parse_object_id(s: &str) -> Result<ObjectId, String> {
    s.parse::<ObjectId>().map_err(|e| e.to_string())
}

/// Parses a semantic class name (`building`, `parked_car`, …).
pub fn parse_class(s: &str) -> Result<SemanticClass, String> {
    s.trim().parse::<SemanticClass>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions() {
        let r = parse_region("-512, -512,512,512").unwrap();
        assert_eq!((r.x0, r.z0, r.x1, r.z1), (-512.0, -512.0, 512.0, 512.0));
        for bad in [
            "",
            "1,2,3",
            "1,2,3,4,5",
            "0,0,nan,10",
            "0,0,inf,10",
            "0,0,a,10",
            "10,0,0,10",
            "0,10,10,10",
            "0,0,1e30,1",
        ] {
            assert!(parse_region(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn vectors_sizes_and_angles() {
        assert_eq!(parse_vec3("1,-2,3.5").unwrap(), [1.0, -2.0, 3.5]);
        assert!(parse_vec3("1,NaN,3").is_err());
        assert!(parse_vec3("1,2").is_err());
        assert_eq!(
            parse_position("1,2").unwrap(),
            Position::OnGround([1.0, 2.0])
        );
        assert!(parse_size("1,0,1").is_err());
        assert!(parse_size("1,2000,1").is_err());
        assert!(parse_degrees("inf").is_err());
        assert_eq!(parse_degrees(" 90 ").unwrap(), 90.0);
        assert!(parse_map_scale("0").is_err());
        assert!(parse_map_scale("-1").is_err());
        assert!(parse_class("castle").is_err());
        assert!(parse_object_id("-3:7:0a3f9c21").is_ok());
        assert!(parse_png_path("out/Map.PNG").is_ok());
        for bad in ["map.jpg", "map.jpeg", "map", "map.png.txt", ".png"] {
            assert!(parse_png_path(bad).is_err(), "{bad} should be rejected");
        }
    }
}
