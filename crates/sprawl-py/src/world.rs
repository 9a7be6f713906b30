//! [`World`]: one simulated world with one or more agents.

use crate::{Config, OUTCOME_NAMES, check_action, check_agent, outcome_code, sim_err};
use numpy::{PyArray1, PyArray2, PyArray3, PyArrayMethods, PyReadonlyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use sprawl_sim::Sim;
use std::sync::Mutex;

/// One simulated world (`sprawl._core.World`).
///
/// The simulator is behind a mutex only so that the class is `Sync` as pyo3
/// requires; every method takes `&mut self` or `&self` and reaches it without
/// contention.
#[pyclass(module = "sprawl._core")]
pub struct World {
    sim: Mutex<Sim>,
    /// Per agent: action length.
    action_dims: Vec<usize>,
    /// Per agent: vector observation length.
    obs_lens: Vec<usize>,
    depth: Option<(usize, usize)>,
    semantic: Option<(usize, usize)>,
    reset_done: bool,
}

/// One agent's observation as fresh NumPy arrays: vector, depth, semantic.
type Obs<'py> = (
    Bound<'py, PyArray1<f32>>,
    Option<Bound<'py, PyArray2<f32>>>,
    Option<Bound<'py, PyArray2<u8>>>,
);

/// Lower and upper action bounds.
pub(crate) type Bounds<'py> = (Bound<'py, PyArray1<f32>>, Bound<'py, PyArray1<f32>>);

impl World {
    fn sim(&self) -> std::sync::MutexGuard<'_, Sim> {
        // A panic inside the simulator poisons the lock; the world is still
        // readable, and the panic itself was already raised in Python.
        self.sim.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn sim_mut(&mut self) -> &mut Sim {
        self.sim.get_mut().unwrap_or_else(|p| p.into_inner())
    }

    fn observe_into<'py>(&self, py: Python<'py>, sim: &Sim, agent: usize) -> Obs<'py> {
        let v = PyArray1::<f32>::zeros(py, self.obs_lens[agent], false);
        fill(&v, |o| sim.write_vector_obs(agent, o));
        let d = self.depth.map(|(h, w)| {
            let a = PyArray2::<f32>::zeros(py, [h, w], false);
            fill(&a, |o| sim.write_depth(agent, o));
            a
        });
        let s = self.semantic.map(|(h, w)| {
            let a = PyArray2::<u8>::zeros(py, [h, w], false);
            fill(&a, |o| sim.write_semantic(agent, o));
            a
        });
        (v, d, s)
    }

    fn need_reset(&self) -> PyResult<()> {
        if self.reset_done {
            Ok(())
        } else {
            Err(pyo3::exceptions::PyRuntimeError::new_err(
                "call reset(seed) before step or observe",
            ))
        }
    }
}

/// Lets `f` write into a freshly made (so C-contiguous and unshared) array.
fn fill<T: numpy::Element, D: numpy::ndarray::Dimension>(
    a: &Bound<'_, numpy::PyArray<T, D>>,
    f: impl FnOnce(&mut [T]),
) {
    let mut rw = a.readwrite();
    f(rw.as_slice_mut().expect("fresh arrays are contiguous"));
}

#[pymethods]
impl World {
    /// Builds the simulator for `config` (no world is loaded until `reset`).
    #[new]
    fn new(config: &Config) -> PyResult<Self> {
        let sim = Sim::with_options(config.inner.clone(), config.options).map_err(sim_err)?;
        let n = sim.num_agents();
        let (depth, semantic) = sim.camera_shape();
        let dims = |s: Option<(u32, u32)>| s.map(|(h, w)| (h as usize, w as usize));
        Ok(World {
            action_dims: (0..n).map(|i| sim.action_dim(i)).collect(),
            obs_lens: (0..n).map(|i| sim.vector_obs_len(i)).collect(),
            depth: dims(depth),
            semantic: dims(semantic),
            sim: Mutex::new(sim),
            reset_done: false,
        })
    }

    /// Starts a new episode; a new seed is a new world.
    fn reset(&mut self, py: Python<'_>, seed: u64) -> PyResult<()> {
        let sim = self.sim_mut();
        py.detach(|| sim.reset(seed)).map_err(sim_err)?;
        self.reset_done = true;
        Ok(())
    }

    /// Number of agents.
    #[getter]
    fn num_agents(&self) -> usize {
        self.action_dims.len()
    }

    /// Kind name of an agent (`"car"`, `"pedestrian"`, `"drone"`).
    fn agent_kind(&self, agent: usize) -> PyResult<String> {
        check_agent(agent, self.num_agents())?;
        Ok(self.sim().agent_kind(agent).to_owned())
    }

    /// Length of an agent's action vector.
    fn action_dim(&self, agent: usize) -> PyResult<usize> {
        check_agent(agent, self.num_agents())?;
        Ok(self.action_dims[agent])
    }

    /// Lower and upper bounds of an agent's action, as float32 arrays.
    fn action_bounds<'py>(&self, py: Python<'py>, agent: usize) -> PyResult<Bounds<'py>> {
        check_agent(agent, self.num_agents())?;
        let (lo, hi) = self.sim().action_bounds(agent);
        Ok((PyArray1::from_vec(py, lo), PyArray1::from_vec(py, hi)))
    }

    /// Length of an agent's vector observation (ego state, route, lidar).
    fn vector_obs_len(&self, agent: usize) -> PyResult<usize> {
        check_agent(agent, self.num_agents())?;
        Ok(self.obs_lens[agent])
    }

    /// `(depth, semantic)` image shapes as `(height, width)`, or `None` each.
    #[expect(clippy::type_complexity, reason = "a Python tuple")]
    fn camera_shape(&self) -> (Option<(usize, usize)>, Option<(usize, usize)>) {
        (self.depth, self.semantic)
    }

    /// Advances the world one step: one float32 action array per agent.
    fn step(&mut self, py: Python<'_>, actions: Vec<PyReadonlyArray1<'_, f32>>) -> PyResult<()> {
        self.need_reset()?;
        if actions.len() != self.num_agents() {
            return Err(PyValueError::new_err(format!(
                "expected one action per agent ({}), got {}",
                self.num_agents(),
                actions.len()
            )));
        }
        let slices = actions
            .iter()
            .map(|a| {
                a.as_slice()
                    .map_err(|e| PyValueError::new_err(e.to_string()))
            })
            .collect::<PyResult<Vec<&[f32]>>>()?;
        for (i, a) in slices.iter().enumerate() {
            check_action(&format!("agent {i}"), a, self.action_dims[i])?;
        }
        let sim = self.sim_mut();
        py.detach(|| sim.step(&slices)).map_err(sim_err)
    }

    /// One agent's observation as new arrays: `(vector, depth | None, semantic | None)`.
    fn observe<'py>(&self, py: Python<'py>, agent: usize) -> PyResult<Obs<'py>> {
        self.need_reset()?;
        check_agent(agent, self.num_agents())?;
        let sim = self.sim();
        Ok(self.observe_into(py, &sim, agent))
    }

    /// Single-agent fast path: steps with `action` and returns
    /// `(vector, depth, semantic, reward, terminated, truncated, outcome)`.
    #[expect(clippy::type_complexity, reason = "a Python tuple")]
    fn step_single<'py>(
        &mut self,
        py: Python<'py>,
        action: PyReadonlyArray1<'_, f32>,
    ) -> PyResult<(
        Bound<'py, PyArray1<f32>>,
        Option<Bound<'py, PyArray2<f32>>>,
        Option<Bound<'py, PyArray2<u8>>>,
        f32,
        bool,
        bool,
        &'static str,
    )> {
        self.need_reset()?;
        if self.num_agents() != 1 {
            return Err(PyValueError::new_err("step_single needs a one-agent world"));
        }
        let a = action
            .as_slice()
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        check_action("action", a, self.action_dims[0])?;
        let sim = self.sim_mut();
        py.detach(|| sim.step(&[a])).map_err(sim_err)?;
        let sim = self.sim();
        let (v, d, s) = self.observe_into(py, &sim, 0);
        Ok((
            v,
            d,
            s,
            sim.reward(0),
            sim.terminated(0),
            sim.truncated(0),
            OUTCOME_NAMES[outcome_code(sim.outcome(0)) as usize],
        ))
    }

    /// Reward of an agent's last step.
    fn reward(&self, agent: usize) -> PyResult<f32> {
        check_agent(agent, self.num_agents())?;
        Ok(self.sim().reward(agent))
    }

    /// Whether an agent's episode ended (success, crash, off road, wrong way).
    fn terminated(&self, agent: usize) -> PyResult<bool> {
        check_agent(agent, self.num_agents())?;
        Ok(self.sim().terminated(agent))
    }

    /// Whether an agent's episode hit the step limit.
    fn truncated(&self, agent: usize) -> PyResult<bool> {
        check_agent(agent, self.num_agents())?;
        Ok(self.sim().truncated(agent))
    }

    /// How an agent's episode stands: `"running"`, `"success"`, `"crash"`, …
    fn outcome(&self, agent: usize) -> PyResult<&'static str> {
        check_agent(agent, self.num_agents())?;
        Ok(OUTCOME_NAMES[outcome_code(self.sim().outcome(agent)) as usize])
    }

    /// An agent's state as a dict (position, yaw, speed, goal, distances, …).
    fn state<'py>(&self, py: Python<'py>, agent: usize) -> PyResult<Bound<'py, PyDict>> {
        check_agent(agent, self.num_agents())?;
        let s = self.sim().agent_state(agent);
        let d = PyDict::new(py);
        d.set_item("position", s.position)?;
        d.set_item("yaw", s.yaw)?;
        d.set_item("pitch", s.pitch)?;
        d.set_item("roll", s.roll)?;
        d.set_item("velocity", s.velocity)?;
        d.set_item("speed", s.speed)?;
        d.set_item("goal", s.goal)?;
        d.set_item("distance_to_goal", s.distance_to_goal)?;
        d.set_item("route_progress", s.route_progress)?;
        d.set_item("route_length", s.route_length)?;
        d.set_item("on_route_surface", s.on_route_surface)?;
        d.set_item("collided", s.collided)?;
        d.set_item("steps", s.steps)?;
        d.set_item("outcome", OUTCOME_NAMES[outcome_code(s.outcome) as usize])?;
        Ok(d)
    }

    /// A top-down picture around an agent: `(size_px, size_px, 3)` uint8
    /// covering `metres` on a side.
    #[pyo3(signature = (agent = 0, size_px = 256, metres = 120.0))]
    fn render<'py>(
        &self,
        py: Python<'py>,
        agent: usize,
        size_px: u32,
        metres: f32,
    ) -> PyResult<Bound<'py, PyArray3<u8>>> {
        self.need_reset()?;
        check_agent(agent, self.num_agents())?;
        crate::check_render(size_px, metres)?;
        let img = self.sim().render_top_down(agent, size_px, metres);
        let (w, h) = (img.width() as usize, img.height() as usize);
        PyArray1::from_vec(py, img.into_raw()).reshape([h, w, 3])
    }

    /// Number of chunks loaded now.
    fn loaded_chunks(&self) -> usize {
        self.sim().loaded_chunks()
    }
}
