//! Semantic classes: what an object *is*, for physics, sensors, maps and editing.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The semantic class of an object. The numeric id ([`SemanticClass::id`]) is
/// stable and is what semantic sensors and segmentation images report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SemanticClass {
    /// Ground surface (heightfield).
    Terrain,
    /// Drivable road surface.
    Road,
    /// Pedestrian walkway beside roads.
    Sidewalk,
    /// Building walls and body.
    Building,
    /// Building roof.
    Roof,
    /// River, lake or sea surface.
    Water,
    /// Road deck over water.
    Bridge,
    /// Tree.
    Tree,
    /// Street lamp.
    Lamp,
    /// Bench.
    Bench,
    /// A parked car (dynamic prop).
    ParkedCar,
    /// Park lawn.
    Park,
    /// A generic movable prop (crate, barrel) placed by a user.
    Prop,
    /// An agent's body (car, pedestrian, drone) in the simulator.
    Agent,
}

impl SemanticClass {
    /// Every class, in id order.
    pub const ALL: [SemanticClass; 14] = [
        Self::Terrain,
        Self::Road,
        Self::Sidewalk,
        Self::Building,
        Self::Roof,
        Self::Water,
        Self::Bridge,
        Self::Tree,
        Self::Lamp,
        Self::Bench,
        Self::ParkedCar,
        Self::Park,
        Self::Prop,
        Self::Agent,
    ];

    /// Stable numeric id (0 is reserved for "nothing", e.g. sky in a semantic image).
    pub fn id(self) -> u8 {
        self as u8 + 1
    }

    /// The snake_case name used in files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Terrain => "terrain",
            Self::Road => "road",
            Self::Sidewalk => "sidewalk",
            Self::Building => "building",
            Self::Roof => "roof",
            Self::Water => "water",
            Self::Bridge => "bridge",
            Self::Tree => "tree",
            Self::Lamp => "lamp",
            Self::Bench => "bench",
            Self::ParkedCar => "parked_car",
            Self::Park => "park",
            Self::Prop => "prop",
            Self::Agent => "agent",
        }
    }

    /// Whether objects of this class may be moved by physics (pushed, knocked over).
    pub fn is_dynamic(self) -> bool {
        matches!(self, Self::ParkedCar | Self::Prop | Self::Bench)
    }
}

impl fmt::Display for SemanticClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for SemanticClass {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|c| c.name() == s)
            .ok_or_else(|| {
                let names: Vec<_> = Self::ALL.iter().map(|c| c.name()).collect();
                format!("unknown class `{s}`; expected one of: {}", names.join(", "))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_ids_are_unique() {
        let mut ids = std::collections::BTreeSet::new();
        for c in SemanticClass::ALL {
            assert_eq!(c.name().parse::<SemanticClass>(), Ok(c));
            assert!(ids.insert(c.id()));
        }
        assert!("castle".parse::<SemanticClass>().is_err());
    }
}
