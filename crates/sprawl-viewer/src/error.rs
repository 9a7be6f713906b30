//! Why the viewer could not start or run.

use std::path::PathBuf;

/// The packages that give a machine without a GPU a software Vulkan driver
/// (Mesa's lavapipe), and an X server for machines without a display.
pub const SOFTWARE_VULKAN_HINT: &str = "install a Vulkan driver; without a GPU, Mesa's software \
     driver works: `apt-get install -y mesa-vulkan-drivers libvulkan1` (and `xvfb` for a \
     virtual display: `Xvfb :99 -screen 0 1280x720x24 & DISPLAY=:99 sprawl view`)";

/// Everything that stops the viewer, each with a message a user can act on.
#[derive(Debug, thiserror::Error)]
pub enum ViewerError {
    /// The world file could not be opened, created or written.
    #[error(transparent)]
    World(#[from] sprawl_store::StoreError),
    /// The prompt was refused by the interpreter.
    #[error("prompt: {0}")]
    Prompt(String),
    /// The sketch could not be read or understood.
    #[error("sketch {}: {detail}", path.display())]
    Sketch {
        /// The image.
        path: PathBuf,
        /// What was wrong.
        detail: String,
    },
    /// A file or folder could not be used.
    #[error("{}: {detail}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// What went wrong.
        detail: String,
    },
    /// There is no display to open a window on.
    #[error(
        "no display to open a window on (DISPLAY is unset); \
         run under a virtual X server: `Xvfb :99 -screen 0 1280x720x24 & DISPLAY=:99 sprawl view …` \
         (apt-get install -y xvfb)"
    )]
    NoDisplay,
    /// DISPLAY names a local X server that is not running.
    #[error(
        "DISPLAY={display} but no X server is listening there; start one \
         (`Xvfb {display} -screen 0 1280x720x24 &`) or fix DISPLAY"
    )]
    NoXServer {
        /// The DISPLAY value.
        display: String,
    },
    /// wgpu found no Vulkan adapter.
    #[error("no usable GPU adapter (Vulkan) was found: {detail}; {SOFTWARE_VULKAN_HINT}")]
    NoGpuAdapter {
        /// What the probe saw.
        detail: String,
    },
    /// A command-line value was out of range.
    #[error("{0}")]
    Usage(String),
    /// A scripted run (screenshot, bench) did not finish.
    #[error("{0}")]
    Script(String),
}
