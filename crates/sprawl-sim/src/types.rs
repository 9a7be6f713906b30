//! Per-agent results: how an episode ended and the agent's state.

/// How an agent's episode stands after the last step.
///
/// | outcome | ends the episode as | when |
/// |---|---|---|
/// | `Running` | — | nothing below happened yet |
/// | `Success` | terminated | the agent came within its kind's goal radius of the goal |
/// | `Crash` | terminated | the agent hit something solid (car, drone), or a vehicle hit it (pedestrian) |
/// | `OffRoad` | terminated | a car spent more than 1 s with its centre off the carriageway |
/// | `WrongWay` | terminated | a car drove more than 3 s against the traffic direction of its lane |
/// | `Timeout` | truncated | `max_steps` steps went by |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The episode goes on.
    Running,
    /// The goal was reached.
    Success,
    /// A collision ended the episode.
    Crash,
    /// A car left the road.
    OffRoad,
    /// A car drove against the traffic for too long.
    WrongWay,
    /// The step limit was reached.
    Timeout,
}

impl Outcome {
    /// Whether this outcome terminates the episode (a true ending, not a time limit).
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Self::Success | Self::Crash | Self::OffRoad | Self::WrongWay
        )
    }

    /// Short lower-case name (`"running"`, `"success"`, …).
    pub fn name(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Success => "success",
            Self::Crash => "crash",
            Self::OffRoad => "off_road",
            Self::WrongWay => "wrong_way",
            Self::Timeout => "timeout",
        }
    }
}

/// An agent's state after the last step (world frame: metres, Y up, north −Z).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AgentState {
    /// Position of the body's reference point (metres): a car's centre on the
    /// ground, a pedestrian's feet, a drone's centre.
    pub position: [f32; 3],
    /// Heading (radians): 0 faces −Z (north), positive turns towards −X (west), i.e.
    /// counter-clockwise seen from above.
    pub yaw: f32,
    /// Nose-up pitch (radians).
    pub pitch: f32,
    /// Roll (radians), positive right side down.
    pub roll: f32,
    /// Velocity (metres per second, world frame).
    pub velocity: [f32; 3],
    /// Signed speed along the heading (metres per second).
    pub speed: f32,
    /// Goal point (metres).
    pub goal: [f32; 3],
    /// Straight-line distance to the goal (metres).
    pub distance_to_goal: f32,
    /// Distance covered along the route (metres).
    pub route_progress: f32,
    /// Total route length (metres).
    pub route_length: f32,
    /// Whether a car is on the carriageway, a pedestrian on a walkable
    /// surface, a drone airborne.
    pub on_route_surface: bool,
    /// Whether the last step collided with something.
    pub collided: bool,
    /// Steps since reset.
    pub steps: u32,
    /// The episode's state.
    pub outcome: Outcome,
}

/// A background car or pedestrian after the last step ([`Sim::traffic`](crate::Sim::traffic)).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrafficState {
    /// Centre of its box (metres).
    pub centre: [f32; 3],
    /// Heading (radians, as [`AgentState::yaw`]).
    pub yaw: f32,
    /// Half extents of its box: across, up, along (metres).
    pub half_extents: [f32; 3],
    /// Speed along its heading (metres per second).
    pub speed: f32,
    /// A car (else a pedestrian).
    pub car: bool,
}
