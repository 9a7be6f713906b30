//! A sketch's layout: what a drawn map says about part of the world.
//!
//! The sketch interpreter in `sprawl-gen` turns a picture into this; the
//! layout is part of the [`WorldSpec`](crate::WorldSpec), so a world file
//! keeps it without the picture.

use crate::Region;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What one sketch cell asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SketchCell {
    /// Nothing drawn: the procedural generator decides.
    Unspecified,
    /// River, lake or sea.
    Water,
    /// Park.
    Park,
    /// A road runs here.
    Road,
    /// Downtown towers.
    Downtown,
    /// Mid-rise blocks.
    Midrise,
    /// Residential houses.
    Residential,
    /// Industrial sheds.
    Industrial,
}

impl SketchCell {
    const CODES: [(SketchCell, char); 8] = [
        (SketchCell::Unspecified, '.'),
        (SketchCell::Water, 'W'),
        (SketchCell::Park, 'P'),
        (SketchCell::Road, 'R'),
        (SketchCell::Downtown, 'D'),
        (SketchCell::Midrise, 'M'),
        (SketchCell::Residential, 'H'),
        (SketchCell::Industrial, 'I'),
    ];

    fn code(self) -> char {
        Self::CODES
            .iter()
            .find(|(c, _)| *c == self)
            .map_or('.', |(_, ch)| *ch)
    }

    fn from_code(ch: char) -> Option<Self> {
        Self::CODES.iter().find(|(_, k)| *k == ch).map(|(c, _)| *c)
    }
}

/// Why a stored sketch layout is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SketchError {
    /// The run-length text is malformed.
    #[error("sketch cells are malformed: {0}")]
    Malformed(String),
}

/// A sketch laid over the world: a grid of cells of `metres_per_pixel`
/// metres, whose north-west corner is at `origin` (metres), plus the road
/// centrelines traced from it (world metres, `[x, z]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SketchLayout {
    /// World `(x, z)` of the north-west corner (metres).
    pub origin: [f32; 2],
    /// Size of one cell (metres).
    pub metres_per_pixel: f32,
    /// Cells along X.
    pub width: u32,
    /// Cells along Z.
    pub height: u32,
    /// Cells, row-major from the north-west corner; stored run-length encoded.
    #[serde(serialize_with = "ser_cells", deserialize_with = "de_cells")]
    pub cells: Vec<SketchCell>,
    /// Traced road centrelines, world metres `[x, z]`.
    pub roads: Vec<Vec<[f32; 2]>>,
}

impl SketchLayout {
    /// The area the sketch covers.
    pub fn region(&self) -> Region {
        Region::new(
            self.origin[0],
            self.origin[1],
            self.origin[0] + self.width as f32 * self.metres_per_pixel,
            self.origin[1] + self.height as f32 * self.metres_per_pixel,
        )
    }

    /// The cell at world `(x, z)`, or `None` outside the sketch.
    pub fn cell_at(&self, x: f32, z: f32) -> Option<SketchCell> {
        let (col, row) = self.cell_index(x, z);
        self.cell(col, row)
    }

    /// Column and row of the cell containing world `(x, z)` (metres); they
    /// lie outside `0..width`, `0..height` for points off the sketch, so that
    /// callers can step between neighbouring cells with integers.
    pub fn cell_index(&self, x: f32, z: f32) -> (i64, i64) {
        let fx = ((x - self.origin[0]) / self.metres_per_pixel).floor();
        let fz = ((z - self.origin[1]) / self.metres_per_pixel).floor();
        // `as` saturates, so points however far off land outside the grid;
        // a NaN coordinate lies nowhere on it.
        let index = |f: f32| if f.is_nan() { i64::MIN } else { f as i64 };
        (index(fx), index(fz))
    }

    /// The cell at column `col`, row `row`, or `None` off the sketch.
    pub fn cell(&self, col: i64, row: i64) -> Option<SketchCell> {
        let (w, h) = (i64::from(self.width), i64::from(self.height));
        if !(0..w).contains(&col) || !(0..h).contains(&row) {
            return None;
        }
        self.cells.get((row * w + col) as usize).copied()
    }

    /// Checks that the cell count matches the size and numbers are finite.
    pub fn validate(&self) -> Result<(), SketchError> {
        if self.cells.len() != self.width as usize * self.height as usize {
            return Err(SketchError::Malformed(format!(
                "{} cells for a {}×{} sketch",
                self.cells.len(),
                self.width,
                self.height
            )));
        }
        let finite = self.origin.iter().all(|v| v.is_finite())
            && self.metres_per_pixel.is_finite()
            && self.metres_per_pixel > 0.0
            && self.roads.iter().flatten().flatten().all(|v| v.is_finite());
        if !finite {
            return Err(SketchError::Malformed(
                "non-finite or non-positive number".into(),
            ));
        }
        Ok(())
    }
}

/// Run-length text: `<count><code>` pairs, e.g. `12.3W`.
fn encode(cells: &[SketchCell]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < cells.len() {
        let c = cells[i];
        let mut j = i;
        while j < cells.len() && cells[j] == c {
            j += 1;
        }
        out.push_str(&(j - i).to_string());
        out.push(c.code());
        i = j;
    }
    out
}

fn decode(s: &str) -> Result<Vec<SketchCell>, SketchError> {
    let mut out = Vec::new();
    let mut count: usize = 0;
    let mut have_digits = false;
    for ch in s.chars() {
        if let Some(d) = ch.to_digit(10) {
            count = count
                .checked_mul(10)
                .and_then(|c| c.checked_add(d as usize))
                .filter(|c| *c <= 1 << 26)
                .ok_or_else(|| SketchError::Malformed("run too long".into()))?;
            have_digits = true;
        } else {
            let cell = SketchCell::from_code(ch)
                .ok_or_else(|| SketchError::Malformed(format!("unknown cell code `{ch}`")))?;
            if !have_digits {
                return Err(SketchError::Malformed("cell code without a count".into()));
            }
            if out.len() + count > 1 << 26 {
                return Err(SketchError::Malformed("too many cells".into()));
            }
            out.extend(std::iter::repeat_n(cell, count));
            count = 0;
            have_digits = false;
        }
    }
    if have_digits {
        return Err(SketchError::Malformed(
            "count without a cell code at the end".into(),
        ));
    }
    Ok(out)
}

fn ser_cells<S: Serializer>(cells: &[SketchCell], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&encode(cells))
}

fn de_cells<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<SketchCell>, D::Error> {
    let s = String::deserialize(d)?;
    decode(&s).map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rle_round_trip_and_errors() {
        use SketchCell::*;
        let cells = vec![
            Water,
            Water,
            Park,
            Unspecified,
            Unspecified,
            Unspecified,
            Road,
        ];
        let text = encode(&cells);
        assert_eq!(text, "2W1P3.1R");
        assert_eq!(decode(&text), Ok(cells));
        assert!(decode("3").is_err());
        assert!(decode("W").is_err());
        assert!(decode("2Z").is_err());
        assert!(decode("99999999999W").is_err());
    }

    #[test]
    fn cell_lookup() {
        let s = SketchLayout {
            origin: [-10.0, -10.0],
            metres_per_pixel: 10.0,
            width: 2,
            height: 1,
            cells: vec![SketchCell::Water, SketchCell::Park],
            roads: vec![],
        };
        assert!(s.validate().is_ok());
        assert_eq!(s.cell_at(-5.0, -5.0), Some(SketchCell::Water));
        assert_eq!(s.cell_at(5.0, -5.0), Some(SketchCell::Park));
        assert_eq!(s.cell_at(15.0, -5.0), None);
        assert_eq!(s.cell_at(5.0, 0.5), None);
    }
}
