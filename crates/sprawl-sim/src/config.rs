//! Simulator configuration: which world, which agents, which sensors, how long.

use crate::SimError;
use sprawl_world::WorldSpec;
use std::path::PathBuf;

/// Where the simulated world comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum WorldSource {
    /// A spec; `reset(seed)` replaces its seed, so each seed is another city.
    Spec(Box<WorldSpec>),
    /// Free English text through the prompt interpreter; the seed varies the city.
    Prompt(String),
    /// A drawn map (PNG or JPEG, 4 m per pixel); the seed varies what the
    /// generator decides outside the drawing and where the drawing leaves it free.
    Sketch(PathBuf),
    /// A user's world file (with its edits). The world stays the file's; the
    /// seed varies spawn points, goals and traffic. The simulator never writes to it.
    File(PathBuf),
}

impl Default for WorldSource {
    fn default() -> Self {
        Self::Spec(Box::default())
    }
}

/// A spinning lidar: `rays` beams per channel over 360° horizontally,
/// `channels` rows spread evenly over `vertical_fov` (one channel is level).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LidarConfig {
    /// Beams per channel, evenly spaced over 360°; beam 0 points forward and
    /// beams go counter-clockwise seen from above (forward, then left, …).
    pub rays: u32,
    /// Rows of beams (1 = a single level ring).
    pub channels: u32,
    /// Maximum range (metres).
    pub range: f32,
    /// Vertical field of view (radians), centred on the horizon; unused for one channel.
    pub vertical_fov: f32,
}

impl Default for LidarConfig {
    fn default() -> Self {
        Self {
            rays: 240,
            channels: 1,
            range: 50.0,
            vertical_fov: 0.0,
        }
    }
}

/// A forward-looking pinhole camera rendered by ray casting (depth or semantic).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CameraConfig {
    /// Image width (pixels).
    pub width: u32,
    /// Image height (pixels).
    pub height: u32,
    /// Horizontal field of view (radians).
    pub fov: f32,
    /// Far limit (metres); depth pixels that hit nothing read this value.
    pub range: f32,
}

impl Default for CameraConfig {
    fn default() -> Self {
        Self {
            width: 64,
            height: 48,
            fov: 90f32.to_radians(),
            range: 80.0,
        }
    }
}

/// Which sensors every agent carries.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SensorConfig {
    /// Lidar, flattened into the vector observation.
    pub lidar: Option<LidarConfig>,
    /// Depth camera (metres per pixel value).
    pub depth: Option<CameraConfig>,
    /// Semantic camera ([`SemanticClass::id`](sprawl_world::SemanticClass::id) per pixel, 0 = nothing).
    pub semantic: Option<CameraConfig>,
}

/// Everything a [`Sim`](crate::Sim) needs. See the field docs for units.
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    /// The world.
    pub world: WorldSource,
    /// One entry per agent: a registered kind name (`"car"`, `"pedestrian"`, `"drone"`).
    pub agents: Vec<String>,
    /// Background cars, 0 (none) to 1 (about one car per 20 m of lane).
    pub traffic_density: f32,
    /// Background pedestrians, 0 (none) to 1 (about one per 15 m of sidewalk).
    pub pedestrian_density: f32,
    /// Sensors each agent carries.
    pub sensors: SensorConfig,
    /// Steps before an episode is truncated (time-out).
    pub max_steps: u32,
    /// Simulated seconds per step (fixed time step).
    pub dt: f32,
    /// Chunks within this many metres of any agent are loaded (metres);
    /// at least the lidar and camera ranges, so that sensors see the whole world around them.
    pub stream_radius: f32,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            world: WorldSource::default(),
            agents: vec!["car".to_owned()],
            traffic_density: 0.3,
            pedestrian_density: 0.3,
            sensors: SensorConfig {
                lidar: Some(LidarConfig::default()),
                depth: None,
                semantic: None,
            },
            max_steps: 1000,
            dt: 0.1,
            stream_radius: 80.0,
        }
    }
}

/// Settings beside [`SimConfig`], given to [`Sim::with_options`](crate::Sim::with_options).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimOptions {
    /// Whether benches, parked cars and user props are rigid bodies that
    /// agents push and knock over (default `true`; see [`PropState`](crate::PropState)).
    /// `false` keeps them fixed like buildings, as a training run may prefer.
    pub dynamic_props: bool,
    /// Length of each agent's route to its goal (metres, 20 to 5,000), or
    /// `None` for the kind's default: car 300 m, pedestrian 150 m, drone 250 m.
    pub route_length: Option<f32>,
}

impl SimOptions {
    /// Checks the options: a route length, if given, is finite and in
    /// 20 to 5,000 metres.
    pub fn validate(&self) -> Result<(), SimError> {
        match self.route_length {
            Some(r) if !(r.is_finite() && (20.0..=5000.0).contains(&r)) => {
                Err(SimError::InvalidConfig(format!(
                    "route_length must be in 20..=5000 metres, got {r}"
                )))
            }
            _ => Ok(()),
        }
    }
}

impl Default for SimOptions {
    fn default() -> Self {
        Self {
            dynamic_props: true,
            route_length: None,
        }
    }
}
