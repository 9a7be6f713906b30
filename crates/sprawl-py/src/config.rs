//! [`Config`]: a [`SimConfig`] built from Python keyword arguments.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use sprawl_sim::{CameraConfig, LidarConfig, SensorConfig, SimConfig, SimOptions, WorldSource};
use std::path::PathBuf;

/// A simulator configuration (`sprawl._core.Config`), immutable once made.
///
/// All arguments are keyword-only; units are metres, seconds and degrees.
/// At most one of `prompt`, `sketch` and `world_file` may be given; with none,
/// the default city spec is used. `lidar_rays=0` turns the lidar off;
/// `depth` and `semantic` are `(height, width)` of a forward camera, or `None`.
/// `route_length` is the distance to the goal along the route (metres,
/// 20..=5000; `None`: car 300, pedestrian 150, drone 250); `dynamic_props`
/// lets agents push benches and props (`False` keeps them fixed).
#[pyclass(frozen, module = "sprawl._core")]
#[derive(Clone, Debug)]
pub struct Config {
    pub(crate) inner: SimConfig,
    pub(crate) options: SimOptions,
}

fn check(ok: bool, what: &str) -> PyResult<()> {
    if ok {
        Ok(())
    } else {
        Err(PyValueError::new_err(what.to_owned()))
    }
}

fn camera(
    shape: Option<(u32, u32)>,
    fov_deg: f32,
    range: f32,
    name: &str,
) -> PyResult<Option<CameraConfig>> {
    let Some((height, width)) = shape else {
        return Ok(None);
    };
    check(
        (1..=1024).contains(&height) && (1..=1024).contains(&width),
        &format!("{name}: (height, width) must each be 1..=1024, got ({height}, {width})"),
    )?;
    Ok(Some(CameraConfig {
        width,
        height,
        fov: fov_deg.to_radians(),
        range,
    }))
}

#[pymethods]
impl Config {
    /// Makes a configuration; see the class documentation for the arguments.
    #[new]
    #[pyo3(signature = (
        *,
        agents = vec!["car".to_owned()],
        prompt = None,
        sketch = None,
        world_file = None,
        traffic_density = 0.3,
        pedestrian_density = 0.3,
        lidar_rays = 240,
        lidar_channels = 1,
        lidar_range = 50.0,
        lidar_vertical_fov = 0.0,
        depth = None,
        semantic = None,
        camera_fov = 90.0,
        camera_range = 80.0,
        episode_steps = 1000,
        dt = 0.1,
        stream_radius = None,
        route_length = None,
        dynamic_props = true,
    ))]
    #[expect(clippy::too_many_arguments, reason = "Python keyword arguments")]
    fn new(
        agents: Vec<String>,
        prompt: Option<String>,
        sketch: Option<PathBuf>,
        world_file: Option<PathBuf>,
        traffic_density: f32,
        pedestrian_density: f32,
        lidar_rays: u32,
        lidar_channels: u32,
        lidar_range: f32,
        lidar_vertical_fov: f32,
        depth: Option<(u32, u32)>,
        semantic: Option<(u32, u32)>,
        camera_fov: f32,
        camera_range: f32,
        episode_steps: u32,
        dt: f32,
        stream_radius: Option<f32>,
        route_length: Option<f32>,
        dynamic_props: bool,
    ) -> PyResult<Self> {
        let options = SimOptions {
            dynamic_props,
            route_length,
        };
        options.validate().map_err(crate::sim_err)?;
        check(!agents.is_empty(), "agents: give at least one agent kind")?;
        let world = match (prompt, sketch, world_file) {
            (None, None, None) => WorldSource::default(),
            (Some(p), None, None) => WorldSource::Prompt(p),
            (None, Some(s), None) => WorldSource::Sketch(s),
            (None, None, Some(f)) => WorldSource::File(f),
            _ => {
                return Err(PyValueError::new_err(
                    "give at most one of prompt, sketch and world_file",
                ));
            }
        };
        check(
            (0.0..=1.0).contains(&traffic_density),
            &format!("traffic_density must be in [0, 1], got {traffic_density}"),
        )?;
        check(
            (0.0..=1.0).contains(&pedestrian_density),
            &format!("pedestrian_density must be in [0, 1], got {pedestrian_density}"),
        )?;
        check(
            lidar_rays <= 4096 && (lidar_rays == 0 || (1..=64).contains(&lidar_channels)),
            "lidar: rays must be 0..=4096 (0 = no lidar) and channels 1..=64",
        )?;
        check(
            lidar_range.is_finite() && lidar_range > 0.0,
            "lidar_range must be a positive number of metres",
        )?;
        check(
            lidar_vertical_fov.is_finite() && (0.0..180.0).contains(&lidar_vertical_fov),
            "lidar_vertical_fov must be in [0, 180) degrees",
        )?;
        check(
            camera_fov.is_finite() && camera_fov > 0.0 && camera_fov < 180.0,
            "camera_fov must be in (0, 180) degrees",
        )?;
        check(
            camera_range.is_finite() && camera_range > 0.0,
            "camera_range must be a positive number of metres",
        )?;
        check(episode_steps > 0, "episode_steps must be at least 1")?;
        check(
            dt.is_finite() && dt > 0.0 && dt <= 1.0,
            "dt must be in (0, 1] seconds",
        )?;
        let lidar = (lidar_rays > 0).then_some(LidarConfig {
            rays: lidar_rays,
            channels: lidar_channels,
            range: lidar_range,
            vertical_fov: lidar_vertical_fov.to_radians(),
        });
        let depth = camera(depth, camera_fov, camera_range, "depth")?;
        let semantic = camera(semantic, camera_fov, camera_range, "semantic")?;
        let defaults = SimConfig::default();
        let sensor_range = [
            lidar.map_or(0.0, |l| l.range),
            depth.map_or(0.0, |c| c.range),
            semantic.map_or(0.0, |c| c.range),
        ]
        .into_iter()
        .fold(0.0f32, f32::max);
        let stream_radius = match stream_radius {
            Some(r) => {
                check(
                    r.is_finite() && r > 0.0,
                    "stream_radius must be a positive number of metres",
                )?;
                r
            }
            None => defaults.stream_radius.max(sensor_range),
        };
        Ok(Config {
            inner: SimConfig {
                world,
                agents,
                traffic_density,
                pedestrian_density,
                sensors: SensorConfig {
                    lidar,
                    depth,
                    semantic,
                },
                max_steps: episode_steps,
                dt,
                stream_radius,
            },
            options,
        })
    }

    /// The agent kinds, one per agent.
    #[getter]
    fn agents(&self) -> Vec<String> {
        self.inner.agents.clone()
    }

    /// Steps before an episode is truncated.
    #[getter]
    fn episode_steps(&self) -> u32 {
        self.inner.max_steps
    }

    /// Simulated seconds per step.
    #[getter]
    fn dt(&self) -> f32 {
        self.inner.dt
    }

    /// Distance to the goal along the route (metres), or `None` for the kind's default.
    #[getter]
    fn route_length(&self) -> Option<f32> {
        self.options.route_length
    }

    /// Whether agents push benches and props.
    #[getter]
    fn dynamic_props(&self) -> bool {
        self.options.dynamic_props
    }

    /// Lower and upper bound of each value of the vector observation, as
    /// float32 arrays (see the simulator's documentation for the layout).
    fn vector_obs_bounds<'py>(&self, py: Python<'py>) -> crate::world::Bounds<'py> {
        let lidar = self
            .inner
            .sensors
            .lidar
            .map_or(0, |l| (l.rays * l.channels) as usize);
        let (lo, hi) = sprawl_sim::vector_obs_bounds(lidar);
        (
            numpy::PyArray1::from_vec(py, lo),
            numpy::PyArray1::from_vec(py, hi),
        )
    }

    /// Far limit of the depth camera (metres), or `None` without one.
    #[getter]
    fn depth_range(&self) -> Option<f32> {
        self.inner.sensors.depth.map(|c| c.range)
    }

    /// A copy with other agents (used to build one world per agent kind).
    fn with_agents(&self, agents: Vec<String>) -> PyResult<Self> {
        check(!agents.is_empty(), "agents: give at least one agent kind")?;
        let mut inner = self.inner.clone();
        inner.agents = agents;
        Ok(Config {
            inner,
            options: self.options,
        })
    }

    fn __repr__(&self) -> String {
        format!("{:?} {:?}", self.inner, self.options)
    }
}
