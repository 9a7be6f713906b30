//! # sprawl-viewer
//!
//! The interactive 3D viewer of Sprawl: a generated city streamed around a
//! fly camera, lit by the time of day the spec asks for, with an egui panel
//! to make new worlds from prompts and sketches, inspect objects and edit
//! them (every edit is journalled in the world file at once).
//!
//! It is a set of Bevy plugins, each with public system sets, composed in
//! [`SprawlViewerPlugins`]:
//!
//! | plugin | does | sets |
//! |---|---|---|
//! | [`stream::StreamingPlugin`] | chunks generated and baked on worker threads, nearest and ahead first, uploaded a few per frame, coarser with distance, dropped when far | [`stream::StreamSet`] |
//! | [`look::LookPlugin`] | sun with shadows, sky, fog, exposure, materials, the façade shader | [`look::LookSet`] |
//! | [`camera::FlyCameraPlugin`] | WASD + mouse fly camera | [`camera::CameraSet`] |
//! | [`drive::DrivePlugin`] | walk (pedestrian) and drive (car) through `sprawl-sim` on a background thread; its traffic and the props it moves drawn, their resting places journalled | [`drive::DriveSet`] |
//! | [`edit::EditPlugin`] | picking, selection, move/delete/duplicate/spawn | [`edit::EditSet`] |
//! | [`panel::PanelPlugin`] | the egui panel and the minimap | [`panel::PanelSet`] |
//! | [`script::ScriptPlugin`] | scripted screenshots and the fly benchmark | — |
//!
//! The streaming, editing and walk/drive plugins need no window or GPU, so
//! tests run them in a headless app (`MinimalPlugins`).
//!
//! ```no_run
//! use sprawl_viewer::{ViewerOptions, run};
//! // Opens the default city (needs a display and a Vulkan driver).
//! run(ViewerOptions::default()).unwrap();
//! ```

pub mod backends;
pub mod camera;
pub mod drive;
pub mod edit;
mod error;
pub mod look;
pub mod mesher;
pub mod panel;
pub mod script;
pub mod stats;
pub mod stream;
pub mod world;

pub use error::{SOFTWARE_VULKAN_HINT, ViewerError};

use bevy::app::PluginGroupBuilder;
use bevy::prelude::*;
use bevy::render::RenderPlugin;
use bevy::render::settings::{Backends, RenderCreation, WgpuSettings};
use bevy::window::{PresentMode, WindowResolution};
use camera::CameraPose;
use script::Script;
use stream::StreamConfig;
use world::{ActiveWorld, WorldSource};

/// Everything `sprawl view` can be asked for.
#[derive(Debug, Clone)]
pub struct ViewerOptions {
    /// Which world.
    pub world: WorldSource,
    /// Replace an existing file when making a world into an explicit path.
    pub force: bool,
    /// Where the camera starts (default: over the city, looking north).
    pub camera: Option<CameraPose>,
    /// Window size in pixels.
    pub size: (u32, u32),
    /// A scripted run, or interactive.
    pub script: Script,
    /// Streaming radii and budgets.
    pub stream: StreamConfig,
    /// Show the panel (default: yes, except for screenshots).
    pub panel: Option<bool>,
    /// Local solar time to start at (hours; default: the spec's).
    pub time_of_day: Option<f32>,
    /// Generation backends configuration ([`backends::BackendsPlugin`]).
    pub backends: Option<std::path::PathBuf>,
}

impl Default for ViewerOptions {
    fn default() -> Self {
        Self {
            world: WorldSource::default(),
            force: false,
            camera: None,
            size: (1280, 720),
            script: Script::Interactive,
            stream: StreamConfig::default(),
            panel: None,
            time_of_day: None,
            backends: None,
        }
    }
}

/// The viewer's plugins, in order. Parts can be replaced or disabled like
/// any Bevy plugin group.
pub struct SprawlViewerPlugins {
    /// Where the camera starts.
    pub start: CameraPose,
    /// Drawing on a software rasteriser (cheaper settings).
    pub software: bool,
    /// Streaming configuration.
    pub stream: StreamConfig,
    /// Scripted run.
    pub script: Script,
    /// Adapter description, for reports.
    pub adapter: String,
    /// Show the panel at start.
    pub panel: bool,
    /// Hour to start at (default: the spec's).
    pub time_of_day: Option<f32>,
}

impl PluginGroup for SprawlViewerPlugins {
    fn build(self) -> PluginGroupBuilder {
        PluginGroupBuilder::start::<Self>()
            .add(stats::FrameStatsPlugin)
            .add(stream::StreamingPlugin {
                config: self.stream,
            })
            .add(look::LookPlugin {
                start_hours: self.time_of_day,
                software: self.software,
            })
            .add(camera::FlyCameraPlugin {
                start: self.start,
                software: self.software,
            })
            .add(drive::DrivePlugin)
            .add(edit::EditPlugin)
            .add(panel::PanelPlugin {
                visible: self.panel,
            })
            .add(script::ScriptPlugin {
                script: self.script,
                adapter: self.adapter,
            })
    }
}

/// The Vulkan adapter the viewer will draw with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdapterProbe {
    /// Name and driver.
    pub description: String,
    /// Whether it is a software rasteriser (lavapipe, llvmpipe).
    pub software: bool,
}

/// Checks, before any window opens, that there is a Vulkan adapter and a
/// display, so that their absence is a clear error instead of a panic
/// inside the renderer. The adapter is probed first (it needs no display),
/// so that a machine with neither hears about the driver packages too.
pub fn preflight() -> Result<AdapterProbe, ViewerError> {
    let backends = wgpu::Backends::VULKAN;
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
        backends,
        ..wgpu::InstanceDescriptor::new_without_display_handle()
    });
    let adapters = bevy::tasks::block_on(instance.enumerate_adapters(backends));
    let infos: Vec<wgpu::AdapterInfo> = adapters.iter().map(|a| a.get_info()).collect();
    let best = infos
        .iter()
        .find(|i| i.device_type != wgpu::DeviceType::Cpu)
        .or_else(|| infos.first());
    let probe = match best {
        None => {
            return Err(ViewerError::NoGpuAdapter {
                detail: "the Vulkan loader found no device (is libvulkan1 installed?)".into(),
            });
        }
        Some(i) => AdapterProbe {
            description: format!(
                "{} ({:?}, {} {})",
                i.name, i.device_type, i.driver, i.driver_info
            )
            .replace("  ", " "),
            software: i.device_type == wgpu::DeviceType::Cpu,
        },
    };
    #[cfg(target_os = "linux")]
    {
        let display = std::env::var("DISPLAY").unwrap_or_default();
        if display.is_empty() {
            return Err(ViewerError::NoDisplay);
        }
        // A local display `:N` is a socket; a missing one would make winit panic.
        if let Some(n) = display
            .strip_prefix(':')
            .and_then(|d| d.split('.').next())
            .filter(|n| n.chars().all(|c| c.is_ascii_digit()))
            && !std::path::Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
        {
            return Err(ViewerError::NoXServer { display });
        }
    }
    Ok(probe)
}

/// Opens the world, checks the display and GPU, and runs the viewer until
/// the window closes or the script finishes.
pub fn run(options: ViewerOptions) -> Result<(), ViewerError> {
    if options.size.0 < 64 || options.size.1 < 64 || options.size.0 > 8192 || options.size.1 > 8192
    {
        return Err(ViewerError::Usage(format!(
            "window size {}x{} is out of range (64 to 8192 pixels a side)",
            options.size.0, options.size.1
        )));
    }
    let world = world::open(&options.world, options.force)?;
    let probe = preflight()?;
    eprintln!("{}", world.summary);
    let exit = build_app(options, world, &probe).run();
    match exit {
        AppExit::Success => Ok(()),
        AppExit::Error(code) => Err(ViewerError::Script(format!(
            "the viewer stopped with status {code}"
        ))),
    }
}

/// The full viewer app (window, renderer, panel) for an open world.
pub fn build_app(options: ViewerOptions, world: ActiveWorld, probe: &AdapterProbe) -> App {
    let scripted = options.script != Script::Interactive;
    let start = options.camera.unwrap_or_else(|| panel::start_pose(&world));
    let title = format!(
        "Sprawl — {}",
        world
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    );
    let mut app = App::new();
    app.add_plugins(
        DefaultPlugins
            .set(WindowPlugin {
                primary_window: Some(Window {
                    title,
                    resolution: WindowResolution::new(options.size.0, options.size.1)
                        .with_scale_factor_override(1.0),
                    present_mode: if scripted {
                        PresentMode::AutoNoVsync
                    } else {
                        PresentMode::AutoVsync
                    },
                    ..default()
                }),
                ..default()
            })
            .set(RenderPlugin {
                render_creation: RenderCreation::Automatic(Box::new(WgpuSettings {
                    backends: Some(Backends::VULKAN),
                    ..default()
                })),
                ..default()
            })
            .set(bevy::log::LogPlugin {
                level: bevy::log::Level::WARN,
                filter: "wgpu=error,naga=warn,bevy_render=warn,bevy_egui=warn".into(),
                ..default()
            }),
    )
    .insert_resource(world)
    .add_plugins(SprawlViewerPlugins {
        start,
        software: probe.software,
        stream: options.stream,
        panel: options
            .panel
            .unwrap_or(!matches!(options.script, Script::Screenshot { .. })),
        script: options.script,
        adapter: probe.description.clone(),
        time_of_day: options.time_of_day,
    });
    app.add_plugins(backends::BackendsPlugin {
        config: options.backends,
    });
    app
}
