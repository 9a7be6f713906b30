//! # sprawl-sim
//!
//! The headless simulator of Sprawl's streamed city: rapier3d colliders
//! built from the chunks' physics shapes, agents (car, pedestrian, drone),
//! background traffic and pedestrians, ray-cast sensors (lidar, depth,
//! semantic) and goal-navigation tasks. No window, no GPU, no Bevy. The
//! Python package (`sprawl-py`) wraps [`Sim`] as Gymnasium and PettingZoo
//! environments.
//!
//! ```
//! use sprawl_sim::{Sim, SimConfig};
//! let mut sim = Sim::new(SimConfig::default())?;
//! sim.reset(7)?;
//! let mut obs = vec![0.0; sim.vector_obs_len(0)];
//! for _ in 0..10 {
//!     sim.step(&[&[0.5, 0.0, 0.0]])?; // throttle, brake, steering
//!     sim.write_vector_obs(0, &mut obs);
//! }
//! assert!(sim.agent_state(0).speed > 0.5);
//! # Ok::<(), sprawl_sim::SimError>(())
//! ```
//!
//! ## World and streaming
//!
//! The world comes from a spec, a prompt, a sketch or a world file
//! ([`WorldSource`]). For generated worlds `reset(seed)` makes the seed's
//! city; a world file keeps its city (and edits) and the seed picks spawns,
//! goals and traffic. Every chunk whose square lies within `stream_radius`
//! metres of **any** agent is live: its objects are colliders in the
//! physics world. Which chunks are live is a function of the agents'
//! positions only, so trajectories never depend on timing. A background
//! thread makes the chunks around and ahead of each agent before they are
//! needed; a step makes a chunk itself only when it needs it at once and
//! the thread has not delivered it. Chunks no agent is near are dropped
//! (their colliders removed) once every agent is `stream_radius + 32 m` away.
//! The stream radius is raised to the longest sensor range if shorter.
//!
//! ## Physics
//!
//! Terrain heightfields, road and sidewalk triangle meshes, bridge decks,
//! building and roof hulls, trees and lamps become fixed rapier colliders.
//! Parked cars, benches and user props are movable (unless
//! [`SimOptions::dynamic_props`] is off): agents push light ones (benches,
//! small props) out of their way and knock them over, and shove a parked
//! car they crash into; a host can kick props ([`Sim::apply_impulse`]),
//! throw bodies in ([`Sim::throw_body`]), list where every prop is
//! ([`Sim::props`]) and journal where moved ones came to rest
//! ([`Sim::prop_edits`]). Their rapier world is built and stepped only
//! while something moves (see `props.rs`). Agents are kinematic models
//! queried against the colliders, at a fixed time step `dt`,
//! single-threaded, with no randomness but hashes of the seed: the same
//! seed and actions give bit-identical trajectories.
//!
//! - **car** (3 actions: throttle 0..1, brake 0..1, steering −1..1, positive
//!   left): kinematic bicycle model (2.7 m wheelbase, 0.6 rad steering at
//!   1.5 rad/s, 4 m/s² engine fading to 30 m/s, 9 m/s² brakes, drag, 8 m/s²
//!   grip limit, no reverse), two ground rays at the axles for height and
//!   pitch, its box cast along each step's motion against buildings and
//!   props; see `agents/car.rs` for why not rapier's ray-cast vehicle.
//! - **pedestrian** (2 actions: walk −1..1 of 2 m/s forwards, half that
//!   backwards; turn −1..1 of 2.5 rad/s, positive left): rapier's
//!   kinematic character controller with a 1.8 m capsule, 0.35 m steps,
//!   45° slopes, snapping to the ground.
//! - **drone** (4 actions: thrust 0..1 of twice its weight, so 0.5 hovers;
//!   roll, pitch and yaw rates −1..1 of 2 rad/s): thrust along its body
//!   axis, tilt limited to 40°, linear drag, its box cast against everything.
//!
//! Background cars and pedestrians follow lanes and sidewalks (see
//! `traffic.rs`); they are boxes for sensors and collisions.
//!
//! ## Observations
//!
//! [`Sim::write_vector_obs`] writes, all `f32`:
//!
//! | index | value |
//! |---|---|
//! | 0–7 (ego) | forward, leftward speed ÷ 20 m/s; vertical speed ÷ 10 m/s; yaw rate ÷ 2 rad/s; pitch, roll (rad); height above ground ÷ 50 m (drone); 1 if on its surface (car: carriageway; pedestrian: ground; drone: airborne) |
//! | 8–17 (route) | the route points 5, 10, 20, 40, 80 m ahead of the agent's progress, each (forward, left) in the agent's frame ÷ 50 m |
//! | 18–22 (route) | distance to goal ÷ 100 m; offset right of the route ÷ 5 m; sine and cosine of the route's heading 10 m ahead relative to the agent's; height of that point above the agent ÷ 20 m |
//! | 23… (lidar) | `channels × rays` distances ÷ range (1 = nothing), channel-major, lowest channel first; beam 0 forward, then counter-clockwise seen from above |
//!
//! Every value lies in `-10..=10` (route values in `-4..=10`, lidar in
//! `0..=1`); [`vector_obs_bounds`] gives the bounds of each index.
//!
//! Depth images hold metres along the optical axis (the camera's range
//! where nothing is within it); semantic images hold
//! [`SemanticClass::id`](sprawl_world::SemanticClass::id) (0 = nothing;
//! agents, traffic and pedestrians are `agent`). Cameras look forward
//! from the sensor mount (car 1.2 m, below other cars' roofs; pedestrian 1.6 m; drone centre).
//!
//! ## Tasks, rewards and endings
//!
//! Each agent gets a route along the road network from a spawn picked by
//! the seed: cars along lanes (300 m), pedestrians along the right-hand
//! sidewalks crossing at junctions (150 m), drones 25 m above the lanes
//! after a climb (250 m). Reward per step:
//!
//! | term | value |
//! |---|---|
//! | progress along the route | +0.1 per metre (negative when going back) |
//! | car off the carriageway | −0.1 per step |
//! | car against the traffic | −0.1 per step |
//! | pedestrian on the carriageway | −0.02 per step |
//! | bumping into something without crashing (pedestrian at a wall) | −0.05 per step |
//! | success | +10, terminates |
//! | crash | −10, terminates |
//! | off road (car off the carriageway > 1 s) | −5, terminates |
//! | wrong way (car against the traffic > 3 s, away from junctions) | −5, terminates |
//! | time-out (`max_steps`) | 0, truncates |
//!
//! Success: within the kind's goal radius of the goal (car 5 m, pedestrian
//! 2.5 m, drone 3 m). Crash: a car's or drone's box hits a building, roof,
//! tree, lamp, bench, parked car or prop; a drone touches the ground faster
//! than 3 m/s; any agent overlaps a car (traffic or agent), or a car moving
//! faster than 1 m/s overlaps anything that moves. See [`Outcome`]. With
//! movable props, a car passing through a bench or a prop under 100 kg
//! pushes it instead of crashing.

mod agents;
mod config;
mod error;
mod physics;
mod props;
mod raycast;
mod render;
mod roads;
mod sensors;
mod sim;
mod stream;
mod traffic;
mod types;

pub use agents::agent_kinds;
pub use config::{CameraConfig, LidarConfig, SensorConfig, SimConfig, SimOptions, WorldSource};
pub use error::SimError;
pub use props::{PropState, ThrownBody};
pub use render::EGO_COLOUR;
pub use sim::{EGO_LEN, ROUTE_LEN, Sim, WAYPOINTS_AHEAD, vector_obs_bounds};
pub use stream::LoaderStats;
pub use types::{AgentState, Outcome, TrafficState};

/// `(height, width)` of a camera image (pixels).
pub type ImageShape = (u32, u32);

#[cfg(test)]
mod tests {
    #[test]
    fn sim_is_send() {
        fn send<T: Send>() {}
        send::<crate::Sim>();
    }
}
