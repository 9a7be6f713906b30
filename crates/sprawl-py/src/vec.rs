//! [`VecWorld`]: N single-agent worlds stepped together across threads.
//!
//! Python owns the output buffers (observations, rewards, flags) and hands the
//! same arrays to every call; each world writes its own rows with the GIL
//! released, so a step copies nothing but the observations themselves.
//!
//! Autoreset is Gymnasium's `NEXT_STEP` mode: the step that ends an episode
//! returns its last observation with `terminated`/`truncated` set; on the next
//! step that world ignores its action, resets with the seed Python supplies for
//! it, and returns the first observation of the new episode with reward 0 and
//! both flags false.

use crate::{Config, check_action, outcome_code, sim_err};
use numpy::{
    PyArray3, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2, PyReadwriteArray1,
    PyReadwriteArray2, PyReadwriteArray3, PyUntypedArrayMethods,
};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use rayon::prelude::*;
use sprawl_sim::{Sim, SimError};
use std::sync::Mutex;

/// N single-agent worlds (`sprawl._core.VecWorld`) on a thread pool.
#[pyclass(module = "sprawl._core")]
pub struct VecWorld {
    sims: Mutex<Vec<Sim>>,
    /// Whether each world's episode ended on the last step (it resets on the next).
    needs_reset: Vec<bool>,
    reset_done: bool,
    pool: Option<rayon::ThreadPool>,
    obs_len: usize,
    action_dim: usize,
    depth: Option<(usize, usize)>,
    semantic: Option<(usize, usize)>,
}

/// One world's share of a step: the world and its rows of every buffer.
struct Job<'a> {
    index: usize,
    sim: &'a mut Sim,
    needs_reset: &'a mut bool,
    obs: &'a mut [f32],
    depth: Option<&'a mut [f32]>,
    semantic: Option<&'a mut [u8]>,
    reward: &'a mut f64,
    terminated: &'a mut bool,
    truncated: &'a mut bool,
    outcome: &'a mut u8,
}

fn write_obs(sim: &Sim, obs: &mut [f32], depth: Option<&mut [f32]>, semantic: Option<&mut [u8]>) {
    sim.write_vector_obs(0, obs);
    if let Some(d) = depth {
        sim.write_depth(0, d);
    }
    if let Some(s) = semantic {
        sim.write_semantic(0, s);
    }
}

/// Splits `buf` into `n` rows of `len` (a zero `len` gives `n` empty rows).
fn rows<T>(buf: &mut [T], len: usize, n: usize) -> Vec<&mut [T]> {
    if len == 0 {
        return (0..n).map(|_| &mut [][..]).collect();
    }
    buf.chunks_mut(len).collect()
}

fn shape_err(name: &str, want: &[usize], got: &[usize]) -> PyErr {
    PyValueError::new_err(format!(
        "{name}: expected an array of shape {want:?}, got {got:?}"
    ))
}

fn slice_mut<'a, T: numpy::Element, D: numpy::ndarray::Dimension>(
    name: &str,
    a: &'a mut numpy::PyReadwriteArray<'_, T, D>,
    want: &[usize],
) -> PyResult<&'a mut [T]> {
    if a.shape() != want {
        return Err(shape_err(name, want, a.shape()));
    }
    a.as_slice_mut()
        .map_err(|_| PyValueError::new_err(format!("{name}: must be C-contiguous")))
}

impl VecWorld {
    fn n(&self) -> usize {
        self.needs_reset.len()
    }
}

/// Runs `f` over the jobs, on the pool when there is one; the error of the
/// lowest-numbered failing world is raised.
fn run(
    pool: Option<&rayon::ThreadPool>,
    jobs: Vec<Job<'_>>,
    f: impl Fn(Job<'_>) -> Result<(), SimError> + Sync,
) -> PyResult<()> {
    let first_err: Mutex<Option<(usize, SimError)>> = Mutex::new(None);
    let g = |job: Job<'_>| {
        let i = job.index;
        if let Err(e) = f(job) {
            let mut slot = first_err.lock().unwrap_or_else(|p| p.into_inner());
            if slot.as_ref().is_none_or(|(j, _)| i < *j) {
                *slot = Some((i, e));
            }
        }
    };
    match pool {
        Some(pool) => pool.install(|| jobs.into_par_iter().for_each(g)),
        None => jobs.into_iter().for_each(g),
    }
    match first_err.into_inner().unwrap_or_else(|p| p.into_inner()) {
        None => Ok(()),
        Some((i, e)) => {
            let py_err = sim_err(e);
            Err(PyRuntimeError::new_err(format!("world {i}: {py_err}")))
        }
    }
}

#[pymethods]
impl VecWorld {
    /// Makes `num_envs` worlds of `config` (one agent each), stepped on
    /// `num_threads` threads (default: the machine's cores; 1 = no pool).
    #[new]
    #[pyo3(signature = (config, num_envs, num_threads = None))]
    fn new(config: &Config, num_envs: usize, num_threads: Option<usize>) -> PyResult<Self> {
        if num_envs == 0 {
            return Err(PyValueError::new_err("num_envs must be at least 1"));
        }
        if config.inner.agents.len() != 1 {
            return Err(PyValueError::new_err(
                "a vector env runs one agent per world; give exactly one agent kind",
            ));
        }
        let sims = (0..num_envs)
            .map(|_| Sim::with_options(config.inner.clone(), config.options))
            .collect::<Result<Vec<_>, _>>()
            .map_err(sim_err)?;
        let threads = num_threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
            .clamp(1, num_envs);
        let pool = if threads > 1 {
            Some(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .thread_name(|i| format!("sprawl-vec-{i}"))
                    .build()
                    .map_err(|e| PyRuntimeError::new_err(e.to_string()))?,
            )
        } else {
            None
        };
        let s = &sims[0];
        let (depth, semantic) = s.camera_shape();
        let dims = |s: Option<(u32, u32)>| s.map(|(h, w)| (h as usize, w as usize));
        Ok(VecWorld {
            obs_len: s.vector_obs_len(0),
            action_dim: s.action_dim(0),
            depth: dims(depth),
            semantic: dims(semantic),
            needs_reset: vec![false; num_envs],
            reset_done: false,
            pool,
            sims: Mutex::new(sims),
        })
    }

    /// Number of worlds.
    #[getter]
    fn num_envs(&self) -> usize {
        self.n()
    }

    /// Threads that step the worlds.
    #[getter]
    fn num_threads(&self) -> usize {
        self.pool.as_ref().map_or(1, |p| p.current_num_threads())
    }

    /// Length of each world's vector observation.
    #[getter]
    fn obs_len(&self) -> usize {
        self.obs_len
    }

    /// Length of each action.
    #[getter]
    fn action_dim(&self) -> usize {
        self.action_dim
    }

    /// Lower and upper bounds of each action, as float32 arrays.
    fn action_bounds<'py>(&self, py: Python<'py>) -> crate::world::Bounds<'py> {
        let sims = self.sims.lock().unwrap_or_else(|p| p.into_inner());
        let (lo, hi) = sims[0].action_bounds(0);
        (
            numpy::PyArray1::from_vec(py, lo),
            numpy::PyArray1::from_vec(py, hi),
        )
    }

    /// `(depth, semantic)` image shapes as `(height, width)`, or `None` each.
    #[expect(clippy::type_complexity, reason = "a Python tuple")]
    fn camera_shape(&self) -> (Option<(usize, usize)>, Option<(usize, usize)>) {
        (self.depth, self.semantic)
    }

    /// Resets the worlds where `mask` is true (all without a mask) with
    /// `seeds[i]` and writes their first observations into the buffers.
    #[pyo3(signature = (seeds, obs, depth = None, semantic = None, mask = None))]
    fn reset(
        &mut self,
        py: Python<'_>,
        seeds: PyReadonlyArray1<'_, u64>,
        mut obs: PyReadwriteArray2<'_, f32>,
        mut depth: Option<PyReadwriteArray3<'_, f32>>,
        mut semantic: Option<PyReadwriteArray3<'_, u8>>,
        mask: Option<PyReadonlyArray1<'_, bool>>,
    ) -> PyResult<()> {
        let n = self.n();
        let seeds = seeds.as_slice()?;
        if seeds.len() != n {
            return Err(shape_err("seeds", &[n], &[seeds.len()]));
        }
        let mask = match &mask {
            Some(m) => {
                let m = m.as_slice()?;
                if m.len() != n {
                    return Err(shape_err("mask", &[n], &[m.len()]));
                }
                if !self.reset_done && !m.iter().all(|&b| b) {
                    return Err(PyValueError::new_err(
                        "the first reset must reset every world",
                    ));
                }
                m.to_vec()
            }
            None => vec![true; n],
        };
        let (mut rewards, mut terms, mut truncs, mut outcomes) =
            (vec![0.0; n], vec![false; n], vec![false; n], vec![0u8; n]);
        let pool = self.pool.as_ref();
        let jobs = jobs(
            &mut self.sims,
            &mut self.needs_reset,
            self.obs_len,
            self.depth,
            self.semantic,
            &mut obs,
            depth.as_mut(),
            semantic.as_mut(),
            &mut rewards,
            &mut terms,
            &mut truncs,
            &mut outcomes,
        )?;
        let jobs: Vec<Job<'_>> = jobs.into_iter().filter(|j| mask[j.index]).collect();
        py.detach(|| {
            run(pool, jobs, |job| {
                job.sim.reset(seeds[job.index])?;
                *job.needs_reset = false;
                write_obs(job.sim, job.obs, job.depth, job.semantic);
                Ok(())
            })
        })?;
        self.reset_done = true;
        Ok(())
    }

    /// Steps every world with its row of `actions` (float32, shape
    /// `(num_envs, action_dim)`), autoresetting worlds whose episode ended on
    /// the previous step with their entry of `seeds`, and writes observations,
    /// rewards, flags and outcome codes into the buffers. Every action is
    /// checked before any world moves.
    #[pyo3(signature = (actions, seeds, obs, rewards, terminated, truncated, outcomes, depth = None, semantic = None))]
    #[expect(clippy::too_many_arguments, reason = "the caller's buffers")]
    fn step(
        &mut self,
        py: Python<'_>,
        actions: PyReadonlyArray2<'_, f32>,
        seeds: PyReadonlyArray1<'_, u64>,
        mut obs: PyReadwriteArray2<'_, f32>,
        mut rewards: PyReadwriteArray1<'_, f64>,
        mut terminated: PyReadwriteArray1<'_, bool>,
        mut truncated: PyReadwriteArray1<'_, bool>,
        mut outcomes: PyReadwriteArray1<'_, u8>,
        mut depth: Option<PyReadwriteArray3<'_, f32>>,
        mut semantic: Option<PyReadwriteArray3<'_, u8>>,
    ) -> PyResult<()> {
        if !self.reset_done {
            return Err(PyRuntimeError::new_err("call reset before step"));
        }
        let n = self.n();
        let dim = self.action_dim;
        if actions.shape() != [n, dim] {
            return Err(shape_err("actions", &[n, dim], actions.shape()));
        }
        let actions = actions
            .as_slice()
            .map_err(|_| PyValueError::new_err("actions: must be C-contiguous"))?;
        let seeds = seeds.as_slice()?;
        if seeds.len() != n {
            return Err(shape_err("seeds", &[n], &[seeds.len()]));
        }
        for i in 0..n {
            if !self.needs_reset[i] {
                check_action(&format!("env {i}"), &actions[i * dim..(i + 1) * dim], dim)?;
            }
        }
        let rewards = slice_mut("rewards", &mut rewards, &[n])?;
        let terminated = slice_mut("terminated", &mut terminated, &[n])?;
        let truncated = slice_mut("truncated", &mut truncated, &[n])?;
        let outcomes = slice_mut("outcomes", &mut outcomes, &[n])?;
        let pool = self.pool.as_ref();
        let jobs = jobs(
            &mut self.sims,
            &mut self.needs_reset,
            self.obs_len,
            self.depth,
            self.semantic,
            &mut obs,
            depth.as_mut(),
            semantic.as_mut(),
            rewards,
            terminated,
            truncated,
            outcomes,
        )?;
        py.detach(|| {
            run(pool, jobs, |job| {
                let i = job.index;
                if *job.needs_reset {
                    job.sim.reset(seeds[i])?;
                    *job.needs_reset = false;
                    *job.reward = 0.0;
                    *job.terminated = false;
                    *job.truncated = false;
                    *job.outcome = 0;
                } else {
                    job.sim.step(&[&actions[i * dim..(i + 1) * dim]])?;
                    let (term, trunc) = (job.sim.terminated(0), job.sim.truncated(0));
                    *job.reward = f64::from(job.sim.reward(0));
                    *job.terminated = term;
                    *job.truncated = trunc;
                    *job.outcome = outcome_code(job.sim.outcome(0));
                    *job.needs_reset = term || trunc;
                }
                write_obs(job.sim, job.obs, job.depth, job.semantic);
                Ok(())
            })
        })
    }

    /// A top-down picture around world `env`'s agent, `(size_px, size_px, 3)` uint8.
    #[pyo3(signature = (env, size_px = 256, metres = 120.0))]
    fn render<'py>(
        &self,
        py: Python<'py>,
        env: usize,
        size_px: u32,
        metres: f32,
    ) -> PyResult<Bound<'py, PyArray3<u8>>> {
        crate::check_agent(env, self.n())?;
        if !self.reset_done {
            return Err(PyRuntimeError::new_err("call reset before render"));
        }
        crate::check_render(size_px, metres)?;
        let sims = self.sims.lock().unwrap_or_else(|p| p.into_inner());
        let img = sims[env].render_top_down(0, size_px, metres);
        let (w, h) = (img.width() as usize, img.height() as usize);
        numpy::PyArray1::from_vec(py, img.into_raw()).reshape([h, w, 3])
    }

    /// Chunks loaded in each world.
    fn loaded_chunks(&self) -> Vec<usize> {
        let sims = self.sims.lock().unwrap_or_else(|p| p.into_inner());
        sims.iter().map(Sim::loaded_chunks).collect()
    }
}

/// Checks the observation buffers and cuts every buffer into per-world jobs.
#[expect(clippy::too_many_arguments, reason = "the caller's buffers")]
fn jobs<'a>(
    sims: &'a mut Mutex<Vec<Sim>>,
    needs_reset: &'a mut [bool],
    obs_len: usize,
    depth_shape: Option<(usize, usize)>,
    semantic_shape: Option<(usize, usize)>,
    obs: &'a mut PyReadwriteArray2<'_, f32>,
    depth: Option<&'a mut PyReadwriteArray3<'_, f32>>,
    semantic: Option<&'a mut PyReadwriteArray3<'_, u8>>,
    rewards: &'a mut [f64],
    terminated: &'a mut [bool],
    truncated: &'a mut [bool],
    outcomes: &'a mut [u8],
) -> PyResult<Vec<Job<'a>>> {
    let n = needs_reset.len();
    let obs = slice_mut("obs", obs, &[n, obs_len])?;
    let mut obs_rows = rows(obs, obs_len, n).into_iter();
    let mut depth_rows = match (depth_shape, depth) {
        (Some((h, w)), Some(d)) => {
            Some(rows(slice_mut("depth", d, &[n, h, w])?, h * w, n).into_iter())
        }
        (None, None) => None,
        (Some(_), None) => return Err(PyValueError::new_err("depth: buffer missing")),
        (None, Some(_)) => {
            return Err(PyValueError::new_err("depth: this env has no depth camera"));
        }
    };
    let mut sem_rows = match (semantic_shape, semantic) {
        (Some((h, w)), Some(d)) => {
            Some(rows(slice_mut("semantic", d, &[n, h, w])?, h * w, n).into_iter())
        }
        (None, None) => None,
        (Some(_), None) => return Err(PyValueError::new_err("semantic: buffer missing")),
        (None, Some(_)) => {
            return Err(PyValueError::new_err(
                "semantic: this env has no semantic camera",
            ));
        }
    };
    let sims = sims.get_mut().unwrap_or_else(|p| p.into_inner());
    let jobs = sims
        .iter_mut()
        .zip(needs_reset.iter_mut())
        .zip(rewards.iter_mut())
        .zip(terminated.iter_mut())
        .zip(truncated.iter_mut())
        .zip(outcomes.iter_mut())
        .enumerate()
        .map(
            |(index, (((((sim, needs_reset), reward), terminated), truncated), outcome))| Job {
                index,
                sim,
                needs_reset,
                obs: obs_rows.next().expect("one row per world"),
                depth: depth_rows.as_mut().and_then(Iterator::next),
                semantic: sem_rows.as_mut().and_then(Iterator::next),
                reward,
                terminated,
                truncated,
                outcome,
            },
        )
        .collect();
    Ok(jobs)
}
