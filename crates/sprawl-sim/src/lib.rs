//! # sprawl-sim
//!
//! Headless simulator for the streamed city (work in progress: this is the
//! public API, the engine behind it is being filled in).

mod config;
mod error;
mod types;

pub use config::{CameraConfig, LidarConfig, SensorConfig, SimConfig, WorldSource};
pub use error::SimError;
pub use types::{AgentState, Outcome};

/// `(height, width)` of a camera image (pixels).
pub type ImageShape = (u32, u32);

/// One simulated world with its agents. `Send`: one per thread.
pub struct Sim {
    config: SimConfig,
    states: Vec<AgentState>,
    rewards: Vec<f32>,
}

const KINDS: [(&str, usize); 3] = [("car", 3), ("pedestrian", 2), ("drone", 4)];

impl Sim {
    /// Checks the configuration and prepares a simulator; call [`reset`](Self::reset) before stepping.
    pub fn new(config: SimConfig) -> Result<Sim, SimError> {
        for name in &config.agents {
            if !KINDS.iter().any(|(k, _)| k == name) {
                return Err(SimError::UnknownAgentKind {
                    name: name.clone(),
                    known: "car, pedestrian, drone".into(),
                });
            }
        }
        let n = config.agents.len();
        Ok(Sim {
            states: vec![
                AgentState {
                    position: [0.0; 3],
                    yaw: 0.0,
                    pitch: 0.0,
                    roll: 0.0,
                    velocity: [0.0; 3],
                    speed: 0.0,
                    goal: [0.0; 3],
                    distance_to_goal: 0.0,
                    route_progress: 0.0,
                    route_length: 0.0,
                    on_route_surface: true,
                    collided: false,
                    steps: 0,
                    outcome: Outcome::Running,
                };
                n
            ],
            rewards: vec![0.0; n],
            config,
        })
    }

    /// Starts a new episode. A new seed is a new world (or, for a world file, new spawns,
    /// goals and traffic); the same seed replays the same episode.
    pub fn reset(&mut self, _seed: u64) -> Result<(), SimError> {
        Ok(())
    }

    /// Number of agents.
    pub fn num_agents(&self) -> usize {
        self.config.agents.len()
    }

    /// Kind name of agent `agent`.
    pub fn agent_kind(&self, agent: usize) -> &str {
        &self.config.agents[agent]
    }

    /// Length of agent `agent`'s action vector.
    pub fn action_dim(&self, agent: usize) -> usize {
        KINDS
            .iter()
            .find(|(k, _)| *k == self.config.agents[agent])
            .map_or(0, |(_, d)| *d)
    }

    /// Lower and upper bounds of each action component.
    pub fn action_bounds(&self, agent: usize) -> (Vec<f32>, Vec<f32>) {
        let d = self.action_dim(agent);
        (vec![-1.0; d], vec![1.0; d])
    }

    /// Length of the flat vector observation (ego state, route features, lidar).
    pub fn vector_obs_len(&self, _agent: usize) -> usize {
        let lidar = self
            .config
            .sensors
            .lidar
            .map_or(0, |l| (l.rays * l.channels) as usize);
        8 + 15 + lidar
    }

    /// `(height, width)` of the depth and the semantic image, where configured.
    pub fn camera_shape(&self) -> (Option<ImageShape>, Option<ImageShape>) {
        let s = &self.config.sensors;
        (
            s.depth.map(|c| (c.height, c.width)),
            s.semantic.map(|c| (c.height, c.width)),
        )
    }

    /// Advances the world one step of `dt` seconds with one action per agent.
    pub fn step(&mut self, actions: &[&[f32]]) -> Result<(), SimError> {
        if actions.len() != self.num_agents() {
            return Err(SimError::WrongActionCount {
                expected: self.num_agents(),
                got: actions.len(),
            });
        }
        for s in &mut self.states {
            s.steps += 1;
        }
        Ok(())
    }

    /// Writes agent `agent`'s vector observation into `out` (length [`vector_obs_len`](Self::vector_obs_len)).
    pub fn write_vector_obs(&self, _agent: usize, out: &mut [f32]) {
        out.fill(0.0);
    }

    /// Writes the depth image (metres, row-major from the top-left; `range` where nothing was hit).
    pub fn write_depth(&self, _agent: usize, out: &mut [f32]) {
        out.fill(0.0);
    }

    /// Writes the semantic image (class ids, 0 = nothing).
    pub fn write_semantic(&self, _agent: usize, out: &mut [u8]) {
        out.fill(0);
    }

    /// Reward of the last step.
    pub fn reward(&self, agent: usize) -> f32 {
        self.rewards[agent]
    }

    /// Whether the episode ended for `agent` (success, crash, off road, wrong way).
    pub fn terminated(&self, agent: usize) -> bool {
        self.states[agent].outcome.is_terminal()
    }

    /// Whether the episode was cut short by the step limit.
    pub fn truncated(&self, agent: usize) -> bool {
        self.states[agent].outcome == Outcome::Timeout
    }

    /// How the episode stands.
    pub fn outcome(&self, agent: usize) -> Outcome {
        self.states[agent].outcome
    }

    /// The agent's state.
    pub fn agent_state(&self, agent: usize) -> AgentState {
        self.states[agent]
    }

    /// A top-down picture around the agent, `size_px` square covering `metres`.
    pub fn render_top_down(&self, _agent: usize, size_px: u32, _metres: f32) -> image::RgbImage {
        image::RgbImage::new(size_px, size_px)
    }

    /// Number of chunks loaded now.
    pub fn loaded_chunks(&self) -> usize {
        0
    }
}
